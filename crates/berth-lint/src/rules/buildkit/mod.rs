//! BuildKit's build checks (`docker build --check`), named as BuildKit names them.
//!
//! One line per rule, sorted by name: `stage_name_casing => StageNameCasing,` declares
//! `mod stage_name_casing;` and registers `stage_name_casing::StageNameCasing`.

crate::rule_family! {}
