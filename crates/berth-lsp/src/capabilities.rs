//! What the server tells the client it can do.

use serde_json::{json, Value};

use crate::position::Encoding;
use crate::semantic::{TOKEN_MODIFIERS, TOKEN_TYPES};
use crate::server::ClientCaps;

/// The `initialize` result.
pub fn initialize_result(caps: &ClientCaps) -> Value {
    let encoding = match caps.encoding {
        Encoding::Utf8 => "utf-8",
        Encoding::Utf16 => "utf-16",
    };
    json!({
        "capabilities": {
            "positionEncoding": encoding,
            "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
            "hoverProvider": true,
            "completionProvider": {
                "triggerCharacters": ["$", "{", "-", "=", ",", " "],
                "resolveProvider": true,
            },
            "signatureHelpProvider": {"triggerCharacters": [" ", "-", "="]},
            "definitionProvider": true,
            "referencesProvider": true,
            "documentHighlightProvider": true,
            "documentSymbolProvider": true,
            "codeActionProvider": {
                "codeActionKinds": ["quickfix", "source.fixAll", "source.fixAll.berth"],
            },
            "executeCommandProvider": {"commands": [crate::handlers::FIX_ALL_COMMAND]},
            "documentFormattingProvider": true,
            "documentRangeFormattingProvider": true,
            "documentOnTypeFormattingProvider": {"firstTriggerCharacter": "\n", "moreTriggerCharacter": ["\\"]},
            "renameProvider": {"prepareProvider": true},
            "documentLinkProvider": {"resolveProvider": false},
            "foldingRangeProvider": true,
            "semanticTokensProvider": {
                "legend": {"tokenTypes": TOKEN_TYPES, "tokenModifiers": TOKEN_MODIFIERS},
                "full": true,
                "range": true,
            },
            "workspace": {"workspaceFolders": {"supported": true, "changeNotifications": true}},
        },
        "serverInfo": {"name": "berth", "version": env!("CARGO_PKG_VERSION")},
    })
}
