//! hadolint's DL rules (hadolint 2.15.1 codes, severities and triggers).
//!
//! One line per rule, sorted by code: `dl3020 => Dl3020,` declares `mod dl3020;` and registers
//! `dl3020::Dl3020`. DL1000 (parse errors) is emitted by the engine (see `rules/meta.rs`).

pub(crate) mod run_shell;

crate::rule_family! {
    dl3001 => Dl3001,
    dl3003 => Dl3003,
    dl3004 => Dl3004,
    dl3008 => Dl3008,
    dl3009 => Dl3009,
    dl3010 => Dl3010,
    dl3013 => Dl3013,
    dl3014 => Dl3014,
    dl3015 => Dl3015,
    dl3016 => Dl3016,
    dl3018 => Dl3018,
    dl3019 => Dl3019,
    dl3027 => Dl3027,
    dl3028 => Dl3028,
    dl3030 => Dl3030,
    dl3032 => Dl3032,
    dl3033 => Dl3033,
    dl3034 => Dl3034,
    dl3035 => Dl3035,
    dl3036 => Dl3036,
    dl3037 => Dl3037,
    dl3038 => Dl3038,
    dl3040 => Dl3040,
    dl3041 => Dl3041,
    dl3042 => Dl3042,
    dl3046 => Dl3046,
    dl3047 => Dl3047,
    dl3059 => Dl3059,
    dl3060 => Dl3060,
    dl3062 => Dl3062,
    dl4001 => Dl4001,
    dl4005 => Dl4005,
    dl4006 => Dl4006,
}
