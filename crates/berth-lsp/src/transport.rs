//! JSON-RPC over a byte stream with LSP's `Content-Length` framing.
//!
//! lsp-server's own stdio transport stops reading at the first malformed message; here a
//! frame that is not JSON gets a `-32700 Parse error` and one that is JSON but not a message
//! gets `-32600 Invalid request`, and the server goes on reading.

use std::io::{self, BufRead, Write};

use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};

/// What the reader hands the server.
#[derive(Debug)]
pub enum Incoming {
    /// A well-formed message.
    Message(Message),
    /// A frame that could not be read as a message: the error response to send (its `id` is
    /// `null` when the request's id could not be read).
    Malformed(Value),
}

/// What the writer sends.
#[derive(Debug)]
pub enum Outgoing {
    /// A message.
    Message(Message),
    /// A response built by hand (a `null` id, which lsp-server's type cannot hold).
    Raw(Value),
}

/// Reads the next frame. `Ok(None)` at the end of input.
pub fn read(input: &mut dyn BufRead) -> io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut header_error = None;
    let mut line = String::new();
    let mut saw_header = false;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            if saw_header {
                break;
            }
            // Blank lines between frames are tolerated.
            continue;
        }
        saw_header = true;
        match trimmed.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse() {
                    Ok(n) => length = Some(n),
                    Err(_) => header_error = Some(format!("bad Content-Length: {value:?}")),
                }
            }
            Some(_) => {}
            None => header_error = Some(format!("malformed header line: {trimmed:?}")),
        }
    }
    let Some(length) = length else {
        let why = header_error.unwrap_or_else(|| "no Content-Length header".into());
        return Ok(Some(Incoming::Malformed(error(
            Value::Null,
            ErrorCode::ParseError,
            &why,
        ))));
    };
    // A runaway length would make us allocate and wait for bytes that never come.
    const MAX_FRAME: usize = 256 << 20;
    if length > MAX_FRAME {
        return Ok(Some(Incoming::Malformed(error(
            Value::Null,
            ErrorCode::ParseError,
            "frame larger than 256 MiB",
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(decode(&body)))
}

/// A frame's body as a message, or the error response it deserves.
pub fn decode(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Malformed(error(
                Value::Null,
                ErrorCode::ParseError,
                &format!("Parse error: {e}"),
            ))
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let has_method = value.get("method").is_some_and(Value::is_string);
    // A response (id, no method) from the client is fine; anything else needs a method.
    let is_response = !has_method
        && value.get("id").is_some()
        && (value.get("result").is_some() || value.get("error").is_some());
    if !value.is_object() || (!has_method && !is_response) {
        return Incoming::Malformed(error(
            id,
            ErrorCode::InvalidRequest,
            "Invalid request: not a JSON-RPC message",
        ));
    }
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Malformed(error(
            id,
            ErrorCode::InvalidRequest,
            &format!("Invalid request: {e}"),
        )),
    }
}

fn error(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
}

/// Writes one frame.
pub fn write(output: &mut dyn Write, message: &Outgoing) -> io::Result<()> {
    match message {
        Outgoing::Message(m) => m.write(&mut WriteRef(output)),
        Outgoing::Raw(value) => {
            let text = value.to_string();
            write!(output, "Content-Length: {}\r\n\r\n{text}", text.len())?;
            output.flush()
        }
    }
}

/// `Message::write` wants a sized writer.
struct WriteRef<'a>(&'a mut dyn Write);

impl Write for WriteRef<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(text: &str) -> Vec<Incoming> {
        let mut input = io::Cursor::new(text.as_bytes().to_vec());
        let mut out = Vec::new();
        while let Some(m) = read(&mut input).unwrap() {
            out.push(m);
        }
        out
    }

    #[test]
    fn malformed_frames_get_errors_and_reading_goes_on() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let text = format!(
            "Content-Length: 5\r\n\r\n{{bad}}Content-Length: 7\r\n\r\n[1,2,3]Content-Length: {}\r\n\r\n{good}",
            good.len()
        );
        // `{bad}` is 5 bytes, then a JSON array, then a good request.
        let got = frames(&text);
        assert_eq!(got.len(), 3, "{got:?}");
        match &got[0] {
            Incoming::Malformed(v) => {
                assert_eq!(v["error"]["code"], -32700);
                assert!(v["id"].is_null());
            }
            other => panic!("{other:?}"),
        }
        match &got[1] {
            Incoming::Malformed(v) => assert_eq!(v["error"]["code"], -32600),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&got[2], Incoming::Message(Message::Request(r)) if r.method == "shutdown")
        );
    }

    #[test]
    fn a_request_with_a_bad_shape_keeps_its_id() {
        match decode(br#"{"jsonrpc":"2.0","id":7,"method":3}"#) {
            Incoming::Malformed(v) => {
                assert_eq!(v["id"], 7);
                assert_eq!(v["error"]["code"], -32600);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode(br#"{"jsonrpc":"2.0","id":1,"result":null}"#),
            Incoming::Message(Message::Response(_))
        ));
        let missing = frames("Content-Type: x\r\n\r\n");
        assert!(matches!(&missing[0], Incoming::Malformed(v) if v["error"]["code"] == -32700));
    }
}
