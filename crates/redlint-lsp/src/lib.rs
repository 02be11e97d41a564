//! `redlint server`: a language server over stdio (LSP, full document sync).
//!
//! Every change re-checks the whole deployment the editor shows (see [`analysis`]): the open
//! documents over the disk, so an `include`, an `aclfile` or a Sentinel beside the open file is
//! part of it, open or not. Diagnostics are published for every affected file and cleared
//! when a file has none left. Off-host by default: the editor's machine is not the target
//! host. Requests never panic the server: a bad request gets an error response.

pub mod analysis;
pub mod convert;
pub mod knowledge;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, Completion, HoverRequest, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CompletionOptions, CompletionParams, CompletionResponse, Hover,
    HoverContents, HoverParams, HoverProviderCapability, InitializeParams, MarkupContent,
    MarkupKind, MessageType, PublishDiagnosticsParams, Range, ServerCapabilities,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use redlint_core::source::LineIndex;

use analysis::{Analysis, Doc, Settings};
use convert::{path_to_uri, uri_to_path, Text};

/// Run the server on stdin/stdout until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    run(connection)?;
    io_threads.join().map_err(|e| e.to_string())
}

/// Run the server on a connection (stdio, or in memory for tests) until `exit`.
pub fn run(connection: Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".to_string()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let caps = serde_json::to_value(capabilities).map_err(|e| e.to_string())?;
    let init = connection.initialize(caps).map_err(|e| e.to_string())?;
    let mut server = Server::new(&connection, init);
    server.main_loop()
}

struct Server<'c> {
    conn: &'c Connection,
    settings: Settings,
    /// Open documents by local path.
    docs: BTreeMap<String, Doc>,
    last: Analysis,
    /// Local paths that have diagnostics on the client.
    published: BTreeSet<String>,
    /// The last settings warning shown, not to repeat it on every keystroke.
    warned: Option<String>,
}

impl<'c> Server<'c> {
    fn new(conn: &'c Connection, init: serde_json::Value) -> Server<'c> {
        let params: Option<InitializeParams> = serde_json::from_value(init).ok();
        let mut settings: Settings = params
            .as_ref()
            .and_then(|p| p.initialization_options.clone())
            .and_then(|o| serde_json::from_value(o).ok())
            .unwrap_or_default();
        #[allow(deprecated)] // root_uri: older clients send only that.
        if let Some(p) = &params {
            let folders = p.workspace_folders.iter().flatten().map(|f| &f.uri);
            settings.folders = folders
                .chain(p.root_uri.iter())
                .filter_map(uri_to_path)
                .collect();
        }
        Server {
            conn,
            settings,
            docs: BTreeMap::new(),
            last: Analysis::default(),
            published: BTreeSet::new(),
            warned: None,
        }
    }

    fn main_loop(&mut self) -> Result<(), String> {
        while let Ok(msg) = self.conn.receiver.recv() {
            match msg {
                Message::Request(req) => {
                    if self.conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let id = req.id.clone();
                    let response = catch_unwind(AssertUnwindSafe(|| self.request(req)))
                        .unwrap_or_else(|_| {
                            Response::new_err(
                                id,
                                ErrorCode::InternalError as i32,
                                "internal error while answering this request".to_string(),
                            )
                        });
                    self.send(Message::Response(response));
                }
                Message::Notification(n) => {
                    // A notification has no answer: a bad one is dropped, never fatal.
                    let _ = catch_unwind(AssertUnwindSafe(|| self.notification(n)));
                }
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn send(&self, msg: Message) {
        let _ = self.conn.sender.send(msg);
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            HoverRequest::METHOD => parse(req.params).map(|p| to_json(self.hover(p))),
            Completion::METHOD => parse(req.params).map(|p| to_json(self.complete(p))),
            CodeActionRequest::METHOD => parse(req.params).map(|p| to_json(self.code_actions(p))),
            other => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("redlint does not answer {other}"),
                )
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e),
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = parse::<lsp_types::DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                let d = p.text_document;
                if let Some(path) = uri_to_path(&d.uri) {
                    self.docs.insert(
                        path,
                        Doc {
                            uri: d.uri,
                            text: d.text,
                            version: d.version,
                        },
                    );
                    self.refresh();
                }
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = parse::<lsp_types::DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(&path) else {
                    return;
                };
                // Full sync: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    doc.text = change.text;
                    doc.version = p.text_document.version;
                    self.refresh();
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = parse::<lsp_types::DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                if let Some(path) = uri_to_path(&p.text_document.uri) {
                    self.docs.remove(&path);
                    self.refresh();
                }
            }
            // Files beside the open ones may have changed on disk.
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => self.refresh(),
            _ => {}
        }
    }

    /// Re-check and publish: every file with findings, and an empty list for each file that
    /// had some and has none now (or was closed and is no longer part of what is checked).
    fn refresh(&mut self) {
        self.last = analysis::analyze(&self.docs, &self.settings);
        if let Some(w) = self.last.warning.clone() {
            if self.warned.as_ref() != Some(&w) {
                self.notify(
                    ShowMessage::METHOD,
                    ShowMessageParams {
                        typ: MessageType::WARNING,
                        message: format!("redlint: {w}"),
                    },
                );
            }
            self.warned = Some(w);
        }
        let now: BTreeSet<String> = self.last.diagnostics.keys().cloned().collect();
        let stale: Vec<String> = self.published.difference(&now).cloned().collect();
        for path in &stale {
            self.publish(path, Vec::new());
        }
        for (path, diags) in &self.last.diagnostics {
            self.publish(path, diags.clone());
        }
        // Open documents without findings: say so explicitly once (clients keep nothing).
        for path in self.docs.keys() {
            if !now.contains(path) && !stale.contains(path) && !self.published.contains(path) {
                self.publish(path, Vec::new());
            }
        }
        self.published = now;
    }

    fn publish(&self, path: &str, diagnostics: Vec<lsp_types::Diagnostic>) {
        let (uri, version) = match self.docs.get(path) {
            Some(d) => (Some(d.uri.clone()), Some(d.version)),
            None => (path_to_uri(path), None),
        };
        let Some(uri) = uri else {
            return;
        };
        self.notify(
            PublishDiagnostics::METHOD,
            PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        );
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(
            method.to_string(),
            params,
        )));
    }

    /// The open document at `uri`: its local path, text and kind.
    fn doc(&self, uri: &Uri) -> Result<(String, &Doc, redlint_core::Kind), String> {
        let path = uri_to_path(uri).ok_or("not a file: URI")?;
        let doc = self.docs.get(&path).ok_or("document not open")?;
        let kind = redlint_core::model::kind::detect(&path, doc.text.as_bytes())
            .ok_or("not a file redlint reads")?;
        Ok((path, doc, kind))
    }

    fn hover(&self, p: HoverParams) -> Option<Hover> {
        let uri = &p.text_document_position_params.text_document.uri;
        let pos = p.text_document_position_params.position;
        let (path, doc, kind) = self.doc(uri).ok()?;
        let bytes = doc.text.as_bytes();
        let index = LineIndex::new(bytes);
        let t = Text {
            bytes,
            index: &index,
        };
        // A finding under the cursor: its rule page.
        let on_finding = self.last.diagnostics.get(&path).and_then(|ds| {
            ds.iter().find(|d| contains(&d.range, pos)).and_then(|d| {
                let code = match &d.code {
                    Some(lsp_types::NumberOrString::String(c)) => c,
                    _ => return None,
                };
                Some((knowledge::rule_doc(code)?, d.range))
            })
        });
        let offset = t.offset(pos);
        let (start, line) = t.line_at(offset);
        let about_word = knowledge::hover(kind, line, offset - start).map(|(text, w)| {
            let range = t.range((start + w.start) as u32, (start + w.end) as u32);
            (text, range)
        });
        let (value, range) = match (about_word, on_finding) {
            (Some((w, r)), Some((f, _))) => (format!("{w}\n\n---\n\n{f}"), r),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => return None,
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(range),
        })
    }

    fn complete(&self, p: CompletionParams) -> Option<CompletionResponse> {
        let uri = &p.text_document_position.text_document.uri;
        let (_, doc, kind) = self.doc(uri).ok()?;
        let bytes = doc.text.as_bytes();
        let index = LineIndex::new(bytes);
        let t = Text {
            bytes,
            index: &index,
        };
        let offset = t.offset(p.text_document_position.position);
        let (start, line) = t.line_at(offset);
        Some(CompletionResponse::Array(knowledge::complete(
            kind,
            line,
            offset - start,
        )))
    }

    fn code_actions(&self, p: CodeActionParams) -> Vec<CodeActionOrCommand> {
        let Some(path) = uri_to_path(&p.text_document.uri) else {
            return Vec::new();
        };
        self.last
            .fixes
            .iter()
            .filter(|f| f.path == path && overlaps(&f.diagnostic.range, &p.range))
            .map(|f| {
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: f.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![f.diagnostic.clone()]),
                    edit: Some(f.edit.clone()),
                    is_preferred: Some(f.safe),
                    ..CodeAction::default()
                })
            })
            .collect()
    }
}

fn parse<T: serde::de::DeserializeOwned>(params: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| format!("invalid parameters: {e}"))
}

fn to_json(value: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn contains(r: &Range, p: lsp_types::Position) -> bool {
    r.start <= p && p <= r.end
}

/// Ranges touch or overlap (a cursor is an empty range).
fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}
