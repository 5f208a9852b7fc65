//! `.dockerignore` handling never panics or hangs: any file content is read into
//! patterns, compiled under both engine profiles, and matched against paths taken from the
//! same input, through every matcher entry point.
//!
//! Input: the bytes before the first NUL are the `.dockerignore` file, the rest are
//! NUL-separated paths.
#![no_main]

use berth_context::{parse_dockerignore, Engine, MatchInfo, Matcher};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0);
    let file = parts.next().unwrap_or_default();
    let paths: Vec<&[u8]> = parts.take(16).collect();
    let patterns: Vec<Vec<u8>> = parse_dockerignore(file).into_iter().map(|(_, p)| p).collect();
    for engine in Engine::ALL {
        let Ok(matcher) = Matcher::for_engine(&patterns, engine) else {
            continue;
        };
        for path in &paths {
            let whole = matcher.is_excluded(path);
            let (incremental, info) = match matcher.is_excluded_in(path, &MatchInfo::default()) {
                Ok(r) => r,
                Err(_) => continue,
            };
            // Without parent information the incremental form is the plain one.
            if let Ok(whole) = whole {
                assert_eq!(whole, incremental);
            }
            let _ = matcher.is_excluded_leaf(path, &info);
            let _ = matcher.may_reinclude_below(path);
        }
    }
});
