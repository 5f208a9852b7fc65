//! The history as one self-contained HTML page (`berth cache history --format html`): no
//! script and no network (its content security policy forbids every load), with, for the
//! Dockerfile and the `--what-if` alternative side by side, a chart of each step's re-runs
//! over the commits and the per-step summary.

use std::collections::HashMap;
use std::fmt::Write as _;

use berth_cache::{PlannedStep, Status};

use crate::report::{plan_keys, step_keys, CommitBuild, History, StepKey, Summary};

fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_text(text)
}

/// `text` on one line (runs of whitespace as one space), cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Colors of the chart cells, by status (also the legend).
const CELLS: [(&str, &str, &str); 5] = [
    ("r", "#d64541", "re-ran"),
    (
        "m",
        "#f0a030",
        "maybe (re-runs unless an earlier stage wrote identical files)",
    ),
    ("c", "#3fa34d", "cached"),
    ("b", "#7a8ca5", "first build"),
    ("a", "#e4e7eb", "not in that commit's build"),
];

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2430; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 8px; }
p.sub { margin: 0 0 16px; color: #556; }
.panels { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.panel { flex: 1 1 480px; min-width: 0; border: 1px solid #dde2e8; border-radius: 6px; padding: 12px; }
.panel svg { display: block; max-width: 100%; height: auto; }
rect.r { fill: #d64541; } rect.m { fill: #f0a030; } rect.c { fill: #3fa34d; }
rect.b { fill: #7a8ca5; } rect.a { fill: #e4e7eb; } rect.bar { fill: #d64541; }
rect.track { fill: #f1f3f5; }
svg text { font: 12px ui-monospace, monospace; fill: #1d2430; }
table { border-collapse: collapse; margin-top: 12px; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { font-weight: 600; color: #445; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 12px ui-monospace, monospace; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
details { margin-top: 20px; }
";

/// The page for `history`; `title` names the repository.
///
/// ```
/// let history = berth_history::report::History {
///     target: "0".into(),
///     commits: vec![],
///     summary: Default::default(),
///     what_if: None,
/// };
/// let page = berth_history::html::render(&history, "my <repo>");
/// assert!(page.starts_with("<!DOCTYPE html>") && page.contains("my &lt;repo&gt;"));
/// ```
pub fn render(history: &History, title: &str) -> String {
    let mut page = String::new();
    let builds = history
        .commits
        .iter()
        .filter(|c| c.skipped.is_none())
        .count();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>berth cache history: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>What the layer cache cost: {}</h1>\n\
         <p class=\"sub\">{} commits walked, {builds} built (the oldest from an empty cache, each later one by a builder that kept every earlier build), target <code>{}</code>.</p>\n",
        esc(title),
        esc(title),
        history.commits.len(),
        esc(&history.target),
    );
    page.push_str("<p class=\"legend\">");
    for (class, color, label) in CELLS {
        let _ = write!(
            page,
            "<span><i class=\"{class}\" style=\"background:{color}\"></i>{}</span>",
            esc(label)
        );
    }
    page.push_str("</p>\n<div class=\"panels\">\n");
    panel(&mut page, "Dockerfile", &history.commits, &history.summary);
    if let Some(what_if) = &history.what_if {
        let heading = format!("What if: {}", what_if.file);
        panel(&mut page, &heading, &what_if.commits, &what_if.summary);
    }
    page.push_str("</div>\n");
    commits_table(&mut page, history);
    page.push_str("</body>\n</html>\n");
    page
}

/// A build's steps by key; `None` for a commit that was not built.
type Build<'a> = Option<HashMap<StepKey, &'a PlannedStep>>;

fn panel(page: &mut String, heading: &str, commits: &[CommitBuild], summary: &Summary) {
    let _ = write!(
        page,
        "<section class=\"panel\">\n<h2>{}</h2>\n",
        esc(heading)
    );
    chart(page, commits, summary);
    summary_table(page, summary);
    page.push_str("</section>\n");
}

/// One row per step of the summary, one cell per walked commit, a bar of re-runs after.
fn chart(page: &mut String, commits: &[CommitBuild], summary: &Summary) {
    const LABEL_W: usize = 250;
    const ROW_H: usize = 20;
    const BAR_W: usize = 110;
    let columns = commits.len().max(1);
    let cell_w = (720 / columns).clamp(1, 18);
    let grid_w = cell_w * columns;
    let width = LABEL_W + grid_w + 12 + BAR_W;
    let height = ROW_H * summary.steps.len().max(1) + 24;
    let _ = writeln!(
        page,
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"re-runs per step over the commits\">"
    );
    let builds: Vec<Build> = commits
        .iter()
        .map(|c| {
            c.skipped
                .is_none()
                .then(|| plan_keys(&c.steps).into_iter().zip(&c.steps).collect())
        })
        .collect();
    let most = summary
        .steps
        .iter()
        .map(|s| s.rebuilds + s.maybe)
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = step_keys(
        summary
            .steps
            .iter()
            .map(|s| (s.stage.as_str(), s.instruction.as_str())),
    );
    for (row, (step, key)) in summary.steps.iter().zip(&rows).enumerate() {
        let y = row * ROW_H;
        let _ = writeln!(
            page,
            "<text x=\"0\" y=\"{}\"><title>{}</title>{:>4} {}</text>",
            y + 14,
            esc(&step.instruction),
            step.line,
            esc(&one_line(&step.instruction, 30))
        );
        for (col, (commit, build)) in commits.iter().zip(&builds).enumerate() {
            let found = build.as_ref().and_then(|b| b.get(key));
            let class = match found.map(|s| s.status) {
                Some(_) if commit.baseline => "b",
                Some(Status::Rebuild) => "r",
                Some(Status::Maybe) => "m",
                Some(Status::Cached) => "c",
                _ => "a",
            };
            let what = match (found, &commit.skipped) {
                (_, Some(why)) => format!("not built: {why}"),
                (Some(s), None) => format!("{}: {}", s.status.as_str(), s.reason.detail),
                (None, None) => "no such step in this commit's Dockerfile".into(),
            };
            let _ = writeln!(
                page,
                "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} {}\n{}</title></rect>",
                LABEL_W + col * cell_w,
                y + 3,
                cell_w.saturating_sub(usize::from(cell_w > 3)).max(1),
                ROW_H - 6,
                esc(&commit.rev[..commit.rev.len().min(12)]),
                esc(&commit.subject),
                esc(&what)
            );
        }
        let bar_x = LABEL_W + grid_w + 12;
        let bar = (step.rebuilds + step.maybe) * (BAR_W - 40) / most;
        let _ = writeln!(
            page,
            "<rect class=\"track\" x=\"{bar_x}\" y=\"{}\" width=\"{}\" height=\"{}\"></rect>\
             <rect class=\"bar\" x=\"{bar_x}\" y=\"{}\" width=\"{bar}\" height=\"{}\"></rect>\
             <text x=\"{}\" y=\"{}\">{}/{}</text>",
            y + 3,
            BAR_W - 40,
            ROW_H - 6,
            y + 3,
            ROW_H - 6,
            bar_x + BAR_W - 36,
            y + 14,
            step.rebuilds,
            step.builds
        );
    }
    let axis_y = height - 6;
    let _ = writeln!(
        page,
        "<text x=\"{LABEL_W}\" y=\"{axis_y}\">oldest</text><text x=\"{}\" y=\"{axis_y}\" text-anchor=\"end\">newest</text>",
        LABEL_W + grid_w
    );
    page.push_str("</svg>\n");
}

fn summary_table(page: &mut String, summary: &Summary) {
    let _ = write!(
        page,
        "<table>\n<tr><th>line</th><th>step</th><th>re-runs</th><th>rate</th><th>top causes</th></tr>\n"
    );
    for step in &summary.steps {
        let rate = if step.builds == 0 {
            "-".to_string()
        } else {
            format!("{:.0}%", 100.0 * step.rebuilds as f64 / step.builds as f64)
        };
        let causes: Vec<String> = step
            .causes
            .iter()
            .map(|c| format!("<code>{}</code> ({})", esc(&c.cause), c.count))
            .collect();
        let maybe = if step.maybe > 0 {
            format!(" (+{} maybe)", step.maybe)
        } else {
            String::new()
        };
        let _ = writeln!(
            page,
            "<tr><td class=\"n\">{}</td><td><code>{}</code></td><td class=\"n\">{} of {}{maybe}</td><td class=\"n\">{rate}</td><td>{}</td></tr>",
            step.line,
            esc(&one_line(&step.instruction, 60)),
            step.rebuilds,
            step.builds,
            causes.join(", ")
        );
    }
    let _ = writeln!(
        page,
        "</table>\n<p>{} builds with a warm cache.</p>",
        summary.builds
    );
}

fn reruns(commit: &CommitBuild) -> String {
    if commit.skipped.is_some() {
        return "-".into();
    }
    let n = commit
        .steps
        .iter()
        .filter(|s| s.status == Status::Rebuild)
        .count();
    n.to_string()
}

fn commits_table(page: &mut String, history: &History) {
    page.push_str("<details open>\n<summary>Commits, oldest first</summary>\n<table>\n<tr><th>commit</th><th>subject</th><th>steps re-run</th>");
    if history.what_if.is_some() {
        page.push_str("<th>with the what-if</th>");
    }
    page.push_str("</tr>\n");
    for (i, commit) in history.commits.iter().enumerate() {
        let note = match (&commit.skipped, commit.baseline) {
            (Some(why), _) => format!(" <em>not built: {}</em>", esc(why)),
            (None, true) => " <em>first build</em>".into(),
            _ => String::new(),
        };
        let _ = write!(
            page,
            "<tr><td><code>{}</code></td><td>{}{note}</td><td class=\"n\">{}</td>",
            esc(&commit.rev[..commit.rev.len().min(12)]),
            esc(&commit.subject),
            reruns(commit)
        );
        if let Some(what_if) = &history.what_if {
            let other = what_if.commits.get(i).map(reruns).unwrap_or_default();
            let _ = write!(page, "<td class=\"n\">{other}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n</details>\n");
}
