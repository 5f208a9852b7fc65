//! The engine profile: the one setting that says which engine's behaviour the model
//! reproduces where Docker 20.10 and current BuildKit differ.

use std::fmt;
use std::str::FromStr;

/// Which engine berth reproduces where engines disagree.
///
/// Everything else in the model is the same for both: each difference below was
/// measured on Docker 28.5.2 (buildx 0.29.1) and Docker 20.10.24 on the same context
/// and read in BuildKit's source (v0.25 and v0.8.3).
///
/// | behaviour | [`Engine::BuildKit`] (Docker 28) | [`Engine::Docker20`] |
/// |---|---|---|
/// | `.dockerignore` matching | moby/patternmatcher | the 20.10 client's `fileutils` |
/// | a named pipe in a copied tree | created in the image | left out of the image |
/// | automatic args `TARGETSTAGE`, `BUILDOSVERSION`, `TARGETOSVERSION` | set | not defined |
/// | `ARG BUILDKIT_SBOM_SCAN_*` | kept out of RUN's environment | in RUN's environment |
///
/// Named pipes are part of the context digest on both engines (adding one re-runs a
/// `COPY .`); only what the copy creates differs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Current BuildKit, as in Docker 28 (the default).
    #[default]
    BuildKit,
    /// Docker 20.10: BuildKit v0.8 and the 20.10 client.
    Docker20,
}

impl Engine {
    /// Both profiles, the default first.
    pub const ALL: [Engine; 2] = [Engine::BuildKit, Engine::Docker20];

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Engine::BuildKit => "buildkit",
            Engine::Docker20 => "docker20",
        }
    }

    /// Whether `COPY` creates the named pipes of a copied tree in the image.
    pub fn copies_fifos(self) -> bool {
        self == Engine::BuildKit
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Engine {
    type Err = String;

    fn from_str(s: &str) -> Result<Engine, String> {
        Engine::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| format!("unknown engine profile `{s}` (expected buildkit or docker20)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for engine in Engine::ALL {
            assert_eq!(engine.name().parse::<Engine>(), Ok(engine));
        }
        assert!("docker28".parse::<Engine>().is_err());
    }
}
