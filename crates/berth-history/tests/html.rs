//! The history page in a real browser: headless Chromium (Debian's `chromium` package)
//! opens it from a file without a single console message or blocked load, and a
//! screenshot shows the chart drawn (cells of every status in their colors).
//!
//! Skips with a message when Chromium is not installed (`.ci/setup.sh` installs it).
//! `BERTH_HISTORY_SCREENSHOT=FILE` keeps the screenshot.

use std::path::Path;
use std::process::Command;

use berth_cache::{PlannedStep, Reason, Status};
use berth_history::report::{CommitBuild, History, Summary, WhatIf};

fn step(line: usize, text: &str, status: Status, kind: &str, paths: &[&str]) -> PlannedStep {
    PlannedStep {
        stage: "0".into(),
        line,
        end_line: line,
        instruction: text.into(),
        status,
        reason: Reason {
            kind: kind.into(),
            detail: match kind {
                "earlier-step" => {
                    "the step at line 3 re-runs and this step is chained on it".into()
                }
                other => other.into(),
            },
            paths: paths.iter().map(|p| p.to_string()).collect(),
        },
    }
}

/// Twelve commits of a Node app: the baseline, one not built, then source edits that
/// re-run the install with the Dockerfile and not with the what-if.
fn history() -> History {
    use Status::*;
    let mut commits = vec![];
    let mut alternative = vec![];
    for i in 0..12 {
        let rev = format!("{i:02}{}", "ab".repeat(19));
        let (steps, what_if) = if i == 1 {
            (vec![], vec![])
        } else if i == 0 {
            (
                vec![
                    step(3, "COPY . .", Rebuild, "no-record", &[]),
                    step(4, "RUN npm ci", Rebuild, "no-record", &[]),
                ],
                vec![
                    step(
                        3,
                        "COPY package.json package-lock.json ./",
                        Rebuild,
                        "no-record",
                        &[],
                    ),
                    step(4, "RUN npm ci", Rebuild, "no-record", &[]),
                    step(5, "COPY . .", Rebuild, "no-record", &[]),
                ],
            )
        } else if i % 3 == 0 {
            (
                vec![
                    step(3, "COPY . .", Cached, "unchanged", &[]),
                    step(4, "RUN npm ci", Cached, "unchanged", &[]),
                ],
                vec![
                    step(
                        3,
                        "COPY package.json package-lock.json ./",
                        Cached,
                        "unchanged",
                        &[],
                    ),
                    step(4, "RUN npm ci", Cached, "unchanged", &[]),
                    step(5, "COPY . .", Cached, "unchanged", &[]),
                ],
            )
        } else {
            (
                vec![
                    step(3, "COPY . .", Rebuild, "files-changed", &["src/server.js"]),
                    step(
                        4,
                        "RUN npm ci",
                        if i == 5 { Maybe } else { Rebuild },
                        "earlier-step",
                        &[],
                    ),
                ],
                vec![
                    step(
                        3,
                        "COPY package.json package-lock.json ./",
                        Cached,
                        "unchanged",
                        &[],
                    ),
                    step(4, "RUN npm ci", Cached, "unchanged", &[]),
                    step(5, "COPY . .", Rebuild, "files-changed", &["src/server.js"]),
                ],
            )
        };
        let skipped = (i == 1).then(|| "no Dockerfile at Dockerfile".to_string());
        let commit = |steps| CommitBuild {
            rev: rev.clone(),
            subject: format!("commit <{i}> & \"more\""),
            baseline: i == 0,
            skipped: skipped.clone(),
            steps,
        };
        commits.push(commit(steps));
        alternative.push(commit(what_if));
    }
    History {
        target: "0".into(),
        summary: Summary::of(&commits),
        what_if: Some(WhatIf {
            file: "Dockerfile.reordered".into(),
            summary: Summary::of(&alternative),
            commits: alternative,
        }),
        commits,
    }
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Pixels of `png` within a small distance of `rgb`.
fn count_color(png: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|px| px.len() >= 3 && (0..3).all(|c| px[c].abs_diff(rgb[c]) <= 6))
        .count()
}

#[test]
fn the_page_opens_in_chromium_without_console_errors_and_draws_the_chart() {
    let Some(browser) = chromium() else {
        println!(
            "SKIPPED: the history page in Chromium: no chromium on PATH (apt-get install chromium)"
        );
        return;
    };
    let history = history();
    let page = berth_history::html::render(&history, "greeter");
    // Self-contained: nothing to fetch, no script.
    for needle in ["<script", "src=", "href=", "http://", "https://", "url("] {
        assert!(!page.contains(needle), "the page holds `{needle}`");
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("history.html");
    std::fs::write(&html, &page).unwrap();
    let shot = dir.path().join("shot.png");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1600,1000",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    // Console messages of the page (errors, CSP violations) are logged as `CONSOLE` lines.
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Refused to") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(shot.exists(), "no screenshot: {stderr}");
    if let Ok(keep) = std::env::var("BERTH_HISTORY_SCREENSHOT") {
        std::fs::copy(&shot, &keep).unwrap();
    }
    // The chart is drawn: re-run, cached, maybe and first-build cells in their colors,
    // and the re-run bars.
    let red = count_color(&shot, [0xd6, 0x45, 0x41]);
    let green = count_color(&shot, [0x3f, 0xa3, 0x4d]);
    let amber = count_color(&shot, [0xf0, 0xa0, 0x30]);
    let slate = count_color(&shot, [0x7a, 0x8c, 0xa5]);
    println!("chart pixels: re-ran {red}, cached {green}, maybe {amber}, first build {slate}");
    assert!(
        red > 2000 && green > 2000,
        "chart not drawn: re-ran {red}, cached {green}"
    );
    assert!(
        amber > 100 && slate > 100,
        "chart cells missing: maybe {amber}, first build {slate}"
    );
}
