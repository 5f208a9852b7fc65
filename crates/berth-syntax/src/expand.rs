//! Variable expansion exactly as BuildKit's shell lexer does it (`$VAR`, `${VAR:-x}`, ...).
