//! Makes the git repository a history file of `tests/repos/` describes (the same commit
//! ids every time), and writes its `--what-if` Dockerfile beside it.
//!
//!     cargo run -p berth-history --example history_repo -- tests/repos/node-copy-all.hist DIR
//!
//! DIR must not exist or be empty; the what-if goes to `DIR.what-if.Dockerfile`.

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: history_repo FILE.hist DIR");
        std::process::exit(2);
    };
    let history = match support::History::load(std::path::Path::new(file)) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let dir = std::path::Path::new(dir);
    match history.generate(dir) {
        Ok(ids) => println!(
            "{}: {} first-parent commits in {}",
            history.name,
            ids.len(),
            dir.display()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
    if let Some(text) = &history.what_if {
        let path = format!("{}.what-if.Dockerfile", dir.display());
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
        println!("what-if: {path}");
    }
}
