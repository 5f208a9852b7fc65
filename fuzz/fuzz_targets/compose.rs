//! Compose reading never panics or hangs: interpolation and `.env` parsing on arbitrary
//! text, and a whole project loaded from an arbitrary compose file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let env = |name: &str| {
        name.starts_with(|c: char| c.is_ascii_uppercase())
            .then(|| format!("<{name}>"))
    };
    let _ = berth_compose::interpolate::interpolate(&text, &env);
    let _ = berth_compose::dotenv::parse(&text, &env);
    let dir = std::env::temp_dir().join(format!("berth-fuzz-compose-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("compose.yaml");
    if std::fs::write(&file, data).is_ok() {
        let options = berth_compose::LoadOptions::new(vec![file], Default::default());
        if let Ok(project) = berth_compose::load(&options) {
            let _ = project.builds(&[]);
        }
    }
});
