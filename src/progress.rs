//! Progress bars for long work: hashing a large build context, linting thousands of files,
//! replaying history. A bar is drawn on standard error, only when standard error is a
//! terminal, and only once the work has run for [`DELAY`]: a quick run never flashes one, and a
//! piped or redirected run prints nothing. Updates may come from many threads at once (rayon
//! workers); the bar is cleared when the work ends (or the [`Progress`] is dropped).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long work runs before its bar appears. Short enough that a wait a person notices has a
/// bar, long enough that the everyday run (one Dockerfile, a small context) never shows one.
pub const DELAY: Duration = Duration::from_millis(500);

/// What a bar counts.
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    /// Bytes, shown as `1.2 GiB/4.0 GiB` with a rate.
    Bytes,
    /// Things of one kind, shown as `1200/3281 files`.
    Items(&'static str),
}

/// One piece of long work (see the module documentation).
pub struct Progress {
    label: &'static str,
    unit: Unit,
    started: Instant,
    delay: Duration,
    done: AtomicU64,
    total: AtomicU64,
    /// Where the bar will be drawn; taken when it first appears. `None`: never drawn.
    target: Mutex<Option<ProgressDrawTarget>>,
    bar: OnceLock<ProgressBar>,
}

impl Progress {
    /// Work called `label` (`hashing`, `linting`), counted in `unit`, drawn on standard error
    /// if it is a terminal.
    pub fn new(label: &'static str, unit: Unit) -> Progress {
        let target = std::io::stderr()
            .is_terminal()
            .then(ProgressDrawTarget::stderr);
        Progress::with_target(label, unit, target, DELAY)
    }

    fn with_target(
        label: &'static str,
        unit: Unit,
        target: Option<ProgressDrawTarget>,
        delay: Duration,
    ) -> Progress {
        Progress {
            label,
            unit,
            started: Instant::now(),
            delay,
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            target: Mutex::new(target),
            bar: OnceLock::new(),
        }
    }

    /// How much work there is in all.
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.draw();
    }

    /// `done` of `total` finished (for callers that count themselves, like the hasher).
    pub fn set(&self, done: u64, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
        self.draw();
    }

    /// `n` more finished.
    pub fn inc(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
        self.draw();
    }

    /// The work is over: clear the bar, if one was drawn.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }

    fn draw(&self) {
        if self.bar.get().is_none() && self.started.elapsed() < self.delay {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let target = self
                .target
                .lock()
                .ok()
                .and_then(|mut t| t.take())
                .unwrap_or_else(ProgressDrawTarget::hidden);
            // Styled and sized before it gets its target, so its first frame has the counts.
            let bar = ProgressBar::hidden();
            if let Ok(style) = ProgressStyle::with_template(&self.template()) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(self.label);
            bar.set_length(self.total.load(Ordering::Relaxed));
            bar.set_position(self.done.load(Ordering::Relaxed));
            bar.set_draw_target(target);
            bar
        });
        if bar.is_hidden() {
            return;
        }
        // Both may have moved while another thread made the bar.
        bar.set_length(self.total.load(Ordering::Relaxed));
        bar.set_position(self.done.load(Ordering::Relaxed));
    }

    fn template(&self) -> String {
        match self.unit {
            Unit::Bytes => {
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}".into()
            }
            Unit::Items(things) => {
                format!("{{prefix}} [{{bar:30}}] {{human_pos}}/{{human_len}} {things} eta {{eta}}")
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use indicatif::{ProgressDrawTarget, TermLike};

    use super::{Duration, Progress, Unit};

    /// A terminal that keeps what is written to it.
    #[derive(Clone, Debug, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl Screen {
        fn text(&self) -> String {
            self.0.lock().unwrap().clone()
        }
        fn target(&self) -> Option<ProgressDrawTarget> {
            Some(ProgressDrawTarget::term_like(Box::new(self.clone())))
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            self.write_str("<clear>")
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_terminal_gets_a_bar_with_the_counts_and_it_is_cleared_at_the_end() {
        let screen = Screen::default();
        let progress = Progress::with_target(
            "linting",
            Unit::Items("files"),
            screen.target(),
            Duration::ZERO,
        );
        progress.set_total(3281);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..10).for_each(|_| progress.inc(1)));
            }
        });
        let drawn = screen.text();
        assert!(drawn.contains("linting ["), "{drawn:?}");
        assert!(drawn.contains("/3,281 files"), "{drawn:?}");
        assert!(
            !drawn.contains("0/0"),
            "a frame before the total was known: {drawn:?}"
        );
        progress.finish();
        assert!(screen.text().ends_with("<clear>"), "{:?}", screen.text());
    }

    #[test]
    fn bytes_are_shown_as_sizes() {
        let screen = Screen::default();
        let progress =
            Progress::with_target("hashing", Unit::Bytes, screen.target(), Duration::ZERO);
        progress.set(512 * 1024, 2 * 1024 * 1024);
        assert!(screen.text().contains("hashing ["), "{:?}", screen.text());
        assert!(
            screen.text().contains("KiB/2.00 MiB"),
            "{:?}",
            screen.text()
        );
    }

    #[test]
    fn nothing_is_drawn_before_the_delay_or_without_a_terminal() {
        let screen = Screen::default();
        let slow = Progress::with_target(
            "hashing",
            Unit::Bytes,
            screen.target(),
            Duration::from_secs(3600),
        );
        slow.set(1, 2);
        slow.finish();
        assert_eq!(screen.text(), "");

        let piped = Progress::with_target("linting", Unit::Items("files"), None, Duration::ZERO);
        piped.set_total(10);
        piped.inc(5);
        assert!(piped.bar.get().is_some_and(|bar| bar.is_hidden()));
        piped.finish();
    }
}
