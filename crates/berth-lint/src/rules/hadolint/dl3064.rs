use berth_syntax::{Command, Instruction, Span};

use super::helpers::labels::label_pairs;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ARG` or `ENV` (also inside `ONBUILD`) whose name looks like a secret: one of
    /// 48 well-known credential variables (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`,
    /// `NPM_TOKEN`, `POSTGRES_PASSWORD`, ...), or a name containing `api_key`, `client_key`,
    /// `password`, `private`, `secret`, `token` or `username` (any case).
    ///
    /// ## Why is this bad?
    /// `ARG` and `ENV` values are stored in the image: anyone who can pull it reads them with
    /// `docker history` or `docker inspect`.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN npm ci
    /// ```
    ///
    /// ## How to fix
    /// Pass secrets as build secrets, which never reach the image:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
    /// ```
    ///
    /// ## Differences from hadolint
    /// hadolint checks only the first name of `ARG a b`; berth checks every name the `ARG`
    /// declares, as BuildKit declares them all.
    pub struct Dl3064 {}
    meta {
        code: "DL3064",
        family: Hadolint,
        severity: Warning,
        kinds: [Arg, Env],
        summary: "Potentially sensitive data should not be used in the ARG or ENV commands",
    }
}

impl Rule for Dl3064 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let names: Vec<(String, Span)> = match &instruction.command {
            Some(Command::Arg(decls)) => {
                decls.iter().map(|d| (d.name.to_string(), d.span)).collect()
            }
            Some(Command::Env(_)) => label_pairs(instruction, ctx.dockerfile().escape)
                .into_iter()
                .map(|p| (p.key, p.key_span))
                .collect(),
            _ => return,
        };
        // One finding per instruction, on the first suspicious name.
        if let Some((name, span)) = names.iter().find(|(name, _)| is_sensitive(name)) {
            ctx.report(
                *span,
                "Potentially sensitive data should not be used in the `ARG` or `ENV` commands",
            )
            .help(format!(
                "`{name}` ends up in the image; pass it with `RUN --mount=type=secret` instead"
            ));
        }
    }
}

/// Well-known variables that hold credentials (compared upper-cased).
const KNOWN_SECRETS: [&str; 48] = [
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];

/// Fragments that make any name suspicious (compared lower-cased).
const SUSPICIOUS_FRAGMENTS: [&str; 7] = [
    "api_key",
    "client_key",
    "password",
    "private",
    "secret",
    "token",
    "username",
];

fn is_sensitive(name: &str) -> bool {
    let upper = name.to_uppercase();
    let lower = name.to_lowercase();
    KNOWN_SECRETS.contains(&upper.as_str())
        || SUSPICIOUS_FRAGMENTS.iter().any(|f| lower.contains(f))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3064,
            pass: [
                "FROM debian:bullseye\nRUN foobar\n",
                "ARG foobar\nFROM debian:bullseye\nRUN foobar\n",
                "FROM debian:bullseye\nENV foobar=barfoo\nRUN foobar\n",
            ],
            fail: [
                "ARG AWS_ACCESS_KEY_ID\nFROM debian:bullseye\nRUN foobar\n",
                "ARG openai_api_key\nFROM debian:bullseye\n",
                "FROM debian:bullseye\nENV AWS_ACCESS_KEY_ID=abcdefghijklmnopqrstuvwxyz\n",
                "FROM debian:bullseye\nENV my_password=abcdefghijklmnopqrstuvwxyz\n",
                "FROM debian:12\nARG MY_API_TOKEN\n",
                "FROM debian:12\nONBUILD ARG GITHUB_TOKEN\n",
                "FROM debian:12\nARG VERSION DB_PASSWORD\n",
            ],
        );
    }
}
