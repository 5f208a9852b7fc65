//! SHA-256 digests and BuildKit's per-entry record hashing (`cache/contenthash`).

use std::fmt;
use std::io::Read;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// A SHA-256 digest, shown as `sha256:<64 hex>` (BuildKit's digest text).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// SHA-256 of empty input: BuildKit's digest of an empty selection.
    pub fn empty() -> Digest {
        Digest::of(b"")
    }

    /// The digest text, `sha256:` followed by 64 lower-case hex digits.
    pub fn text(&self) -> [u8; 71] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 71];
        out[..7].copy_from_slice(b"sha256:");
        for (i, byte) in self.0.iter().enumerate() {
            out[7 + 2 * i] = HEX[(byte >> 4) as usize];
            out[8 + 2 * i] = HEX[(byte & 15) as usize];
        }
        out
    }

    /// Parse `sha256:<hex>`.
    pub fn parse(text: &str) -> Option<Digest> {
        let hex = text.strip_prefix("sha256:")?;
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let s = std::str::from_utf8(chunk).ok()?;
            out[i] = u8::from_str_radix(s, 16).ok()?;
        }
        Some(Digest(out))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.text()).unwrap_or_default())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let text = String::deserialize(d)?;
        Digest::parse(&text).ok_or_else(|| serde::de::Error::custom("expected sha256:<64 hex>"))
    }
}

/// What kind of entry a record describes (tar type flags in the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file (also a socket: BuildKit clears the socket bit and hashes it as one).
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed while walking).
    Symlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe: part of the context digest on every engine (typeflag `6`); whether
    /// COPY creates it depends on the engine ([`crate::Engine::copies_fifos`]).
    Fifo,
}

impl EntryKind {
    fn typeflag(self) -> u8 {
        match self {
            EntryKind::File => b'0',
            EntryKind::Dir => b'5',
            EntryKind::Symlink => b'2',
            EntryKind::CharDevice => b'3',
            EntryKind::BlockDevice => b'4',
            EntryKind::Fifo => b'6',
        }
    }
}

/// The metadata that enters a record's header. Ownership is always 0:0 (the client
/// resets it before sending) and modification time never enters.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    /// Entry kind.
    pub kind: EntryKind,
    /// Permission bits plus setuid, setgid and sticky (`mode & 0o7777`).
    pub mode: u32,
    /// Byte size for regular files, else 0.
    pub size: u64,
    /// Symlink target, else empty.
    pub link_target: &'a [u8],
    /// Device numbers (devices only).
    pub dev: (u64, u64),
}

impl Header<'_> {
    /// A hasher primed with the header; a regular file's bytes follow.
    pub fn hasher(&self) -> Sha256 {
        let mut h = Sha256::new();
        let mut buf = itoa_buf();
        h.update(b"namemode");
        h.update(fmt_u64(&mut buf, u64::from(self.mode & 0o7777)));
        h.update(b"uid0gid0size");
        let size = if self.kind == EntryKind::File {
            self.size
        } else {
            0
        };
        h.update(fmt_u64(&mut buf, size));
        h.update(b"typeflag");
        h.update([self.kind.typeflag()]);
        h.update(b"linkname");
        h.update(self.link_target);
        h.update(b"unamegnamedevmajor");
        h.update(fmt_u64(&mut buf, self.dev.0));
        h.update(b"devminor");
        h.update(fmt_u64(&mut buf, self.dev.1));
        h
    }

    /// The record digest of an entry without content (directory header, symlink, device).
    pub fn digest(&self) -> Digest {
        Digest(self.hasher().finalize().into())
    }
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

fn fmt_u64(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Record digest of a regular file: header then content, streamed through `buf`.
pub fn file_record(
    header: &Header<'_>,
    mut reader: impl Read,
    buf: &mut [u8],
) -> std::io::Result<Digest> {
    let mut h = header.hasher();
    loop {
        match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Digest(h.finalize().into()))
}

/// Record digest of a regular file whose content is in memory.
pub fn file_record_bytes(header: &Header<'_>, content: &[u8]) -> Digest {
    let mut h = header.hasher();
    h.update(content);
    Digest(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data0_matches_buildkit() {
        let header = Header {
            kind: EntryKind::File,
            mode: 0o644,
            size: 5,
            link_target: b"",
            dev: (0, 0),
        };
        assert_eq!(
            file_record_bytes(&header, b"data0").to_string(),
            "sha256:cd8e75bca50f2d695f220d0cb0997d8ead387e4f926e8669a92d7f104cc9885b"
        );
        let d = Digest::empty();
        assert_eq!(Digest::parse(&d.to_string()), Some(d));
    }
}
