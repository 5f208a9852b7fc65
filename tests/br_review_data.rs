//! The hand review of the cache-rule findings (`benches/br-review/before.tsv`) stays data a
//! script and the next review can read: the columns, verdicts and reasons are well formed,
//! it covers enough findings, and every row points at a line of a corpus file that exists.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;

const COLUMNS: [&str; 7] = [
    "file", "line", "column", "code", "verdict", "reason", "pattern",
];
const VERDICTS: [&str; 4] = ["useful", "low-value", "not-actionable", "wrong"];

struct Row {
    file: String,
    line: usize,
    code: String,
}

fn read(path: &Path) -> Vec<Row> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    assert_eq!(header, COLUMNS, "{}: header", path.display());
    let mut rows = Vec::new();
    for (index, line) in lines.enumerate() {
        let at = format!("{}:{}", path.display(), index + 2);
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), COLUMNS.len(), "{at}: column count");
        let [file, line_no, column, code, verdict, reason, pattern] = fields[..] else {
            unreachable!()
        };
        assert!(
            file.starts_with("dockerfiles/") || file.starts_with("contexts/"),
            "{at}: {file} is not relative to the corpus root"
        );
        let line_no: usize = line_no.parse().unwrap_or_else(|_| panic!("{at}: line"));
        assert!(line_no > 0, "{at}: line 0");
        column
            .parse::<usize>()
            .unwrap_or_else(|_| panic!("{at}: column"));
        assert!(code.starts_with("BR"), "{at}: {code} is not a cache rule");
        assert!(VERDICTS.contains(&verdict), "{at}: verdict {verdict:?}");
        assert!(!reason.trim().is_empty(), "{at}: a verdict needs a reason");
        assert_eq!(
            pattern.is_empty(),
            verdict == "useful",
            "{at}: a pattern names why a finding is not useful, and only then"
        );
        rows.push(Row {
            file: file.to_string(),
            line: line_no,
            code: code.to_string(),
        });
    }
    rows
}

#[test]
fn before_review_is_well_formed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rows = read(&root.join("benches/br-review/before.tsv"));
    assert!(rows.len() >= 200, "{} findings judged", rows.len());
    let codes: BTreeSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    assert!(codes.len() >= 5, "codes judged: {codes:?}");

    let corpus = root.join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!(
            "SKIPPED: the rows' files and lines: no corpus at {}",
            corpus.display()
        );
        return;
    }
    let mut line_counts: HashMap<&str, usize> = HashMap::new();
    for row in &rows {
        let lines = *line_counts.entry(row.file.as_str()).or_insert_with(|| {
            let bytes =
                fs::read(corpus.join(&row.file)).unwrap_or_else(|e| panic!("{}: {e}", row.file));
            bytes.split(|b| *b == b'\n').count()
        });
        assert!(
            row.line <= lines,
            "{}:{} is past the end of the file ({lines} lines)",
            row.file,
            row.line
        );
    }
}
