//! A rule that panics is a bug in berth, not in the Dockerfile: the engine catches the panic
//! for the file being linted ([`catch`]), reports it as one internal-error finding (BR000)
//! on that file, and goes on with the next file. [`quiet_rule_panics`] keeps the panic's
//! own message and backtrace off standard error, so a program shows the finding instead.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// How many [`catch`] calls are running on this thread.
    static CATCHING: Cell<usize> = const { Cell::new(0) };
    /// Where the last panic caught on this thread was raised, as the panic hook saw it.
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic caught by [`catch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panic {
    /// The panic's message (`"index out of bounds: ..."`).
    pub message: String,
    /// `file:line:column` of the panic, when [`quiet_rule_panics`] is installed.
    pub location: Option<String>,
}

/// Runs `f`, turning a panic inside it into an `Err` with the panic's message.
///
/// `f` is run as if unwind-safe: after a panic, whatever it was building is thrown away.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Panic> {
    CATCHING.with(|c| c.set(c.get() + 1));
    LAST_LOCATION.with(|l| l.borrow_mut().take());
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| Panic {
        message: payload_message(payload.as_ref()),
        location: LAST_LOCATION.with(|l| l.borrow_mut().take()),
    })
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Keeps the panics [`catch`] handles off standard error.
///
/// Rust's default panic hook prints every panic, caught or not, with a backtrace hint. A
/// program linting with berth-lint calls this once at start-up: it wraps the current hook,
/// records where a panic inside [`catch`] happened (for the internal-error finding) and
/// prints nothing for it; every other panic is reported by the previous hook as before.
///
/// ```
/// berth_lint::quiet_rule_panics();
/// let caught = berth_lint::guard::catch(|| -> u32 { panic!("boom") });
/// let panic = caught.unwrap_err();
/// assert_eq!(panic.message, "boom");
/// assert!(panic.location.is_some_and(|at| at.contains(".rs:")));
/// ```
pub fn quiet_rule_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) == 0 {
                previous(info);
                return;
            }
            let location = info
                .location()
                .map(|at| format!("{}:{}:{}", at.file(), at.line(), at.column()));
            LAST_LOCATION.with(|l| *l.borrow_mut() = location);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors_and_values_pass_through() {
        quiet_rule_panics();
        assert_eq!(catch(|| 7), Ok(7));
        let panic = catch(|| -> () { panic!("rule {} broke", "X") }).unwrap_err();
        assert_eq!(panic.message, "rule X broke");
        assert!(panic.location.is_some_and(|at| at.contains("guard.rs")));
        // Nested: the inner catch handles its own panic, the outer sees a value.
        assert_eq!(
            catch(|| catch(|| -> u8 { panic!("inner") }).is_err()),
            Ok(true)
        );
        let panic = catch(|| -> u8 { std::panic::panic_any(3_u8) }).unwrap_err();
        assert_eq!(panic.message, "a panic without a message");
    }
}
