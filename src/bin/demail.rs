//! The `demail` command-line tool.
//!
//! `demail inspect <FILE|->` prints the typed De-Mail envelope of a message
//! as JSON. Exit codes: 0 valid for its kind, 1 parsed but violates the TR,
//! 2 unreadable or not a mail.
//!
//! `demail sign <FILE>` adds `X-de-mail-integrity` (hash-only without a key,
//! signed with `--key` and `--cert`; exit 1 when a hash-only field is asked
//! for an authoritative message, 2 when the key does not match the
//! certificate); `demail verify <FILE>` checks it and prints the report as
//! JSON (exit 0 pass, 1 fail or untrusted, 2 unreadable input or usage
//! error).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};

#[path = "demail/check_confirmation.rs"]
mod check_confirmation;
#[path = "demail/confirm.rs"]
mod confirm;
#[path = "demail/end_to_end.rs"]
mod end_to_end;
#[path = "demail/forward.rs"]
mod forward;
#[path = "demail/ident.rs"]
mod ident;
#[path = "demail/mbox.rs"]
mod mbox;
#[path = "demail/notify.rs"]
mod notify;
#[path = "demail/provider_directory.rs"]
mod provider_directory;
#[path = "demail/redirect.rs"]
mod redirect;
#[path = "demail/smime.rs"]
mod smime;
#[path = "demail/split_bcc.rs"]
mod split_bcc;
use serde_json::{Value, json};

use demail::address::{DeMailAddress, RecipientList};
use demail::certificate::Certificate;
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::{FieldName, MessageKind};
use demail::integrity::{Algorithm, IntegrityError, SignOptions};
use demail::integrity::{IntegrityMode, Verdict, VerificationReport};
use demail::metadata::DispatchOption;
use demail::provider_directory::{ProviderDirectory, ProviderMap, SignerBinding};
use demail::trust::KeyPolicy;
use demail::trust::{DuplicatePolicy, StatusResult, VerifyOptions};
use demail::validate::{Mode, Report, Rule};

#[derive(Parser)]
#[command(name = "demail", version, about = "Inspect De-Mail messages (BSI TR 01201)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the De-Mail envelope of a message as JSON and validate it.
    ///
    /// Exit code 0: valid for its kind; 1: parsed but violates the TR;
    /// 2: cannot be read or is not a mail.
    Inspect {
        /// The message file, or `-` for standard input.
        file: PathBuf,
        /// Accept a notification whose six key fields are valid despite other
        /// violations (PVD FU Schritt 41).
        #[arg(long)]
        lenient: bool,
    },
    /// Add X-de-mail-integrity: hash-only without a key, signed with --key and --cert.
    ///
    /// Exit code 0: written; 1: refused (hash-only on an authoritative
    /// message, FC-04); 2: unreadable input, usage error, or a key that does
    /// not match the certificate.
    Sign {
        /// The message file, or `-` for standard input.
        file: PathBuf,
        /// The provider's PKCS#8 private key (PEM).
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// The provider's certificate (PEM), written into the message.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// The a= algorithm, e.g. sha256, sha256/rsa, sha384/ec-dsa, sha512/rsassa-pss.
        #[arg(long)]
        alg: Option<String>,
        /// Write the signed message here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Verify X-de-mail-integrity and print the report as JSON.
    ///
    /// Exit code 0: pass; 1: fails or the signer is not trusted; 2: unreadable
    /// input or usage error.
    Verify {
        /// The message file, or `-` for standard input.
        file: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
        /// Require RSA keys of at least 3000 bits (BSI TR-02102-1).
        #[arg(long)]
        tr_02102: bool,
    },
    /// Build a confirmation (dispatch, receipt, retrieve, malware) of an original message.
    Confirm(confirm::ConfirmArgs),
    /// Check a confirmation against its original; print the report as JSON.
    ///
    /// Exit code 0: it fits and both signatures verify; 1: a mismatch or bad
    /// signature; 2: unreadable input or usage error.
    CheckConfirmation(check_confirmation::CheckConfirmationArgs),
    /// Build a notification message (Meldungsnachricht) about an original message.
    Notify(notify::NotifyArgs),
    /// Forward a received message (TR 01201-3.4 §3.2): Resent-*, new actual
    /// recipient, Envelope-to; signed fields and body unchanged.
    ///
    /// Exit code 0: done; 1: refused (forwarding loop, retrieve confirmation
    /// requested); 2: unreadable input or usage error.
    Forward(forward::ResendArgs),
    /// Redirect a received message (Nachsendung, §3.3): as forward, without Resent-From.
    ///
    /// Exit code 0: done; 1: refused (forwarding loop); 2: unreadable input or usage error.
    Redirect(forward::ResendArgs),
    /// Split an outgoing message into the to/cc copy and one copy per BCC
    /// recipient, each hashed or signed (§3.1.8, §3.1.21); JSON report.
    ///
    /// Exit code 0: done; 1: not ready to be hashed, or authoritative without
    /// a key (FC-04); 2: unreadable input or usage error.
    SplitBcc(split_bcc::SplitBccArgs),
    /// mbox export, import and listing (§3.6, qmail From_ quoting); JSON reports.
    ///
    /// Exit code 0: done; 1: invalid or unreadable messages found; 2:
    /// unreadable input or usage error.
    Mbox {
        #[command(subcommand)]
        command: mbox::MboxCommand,
    },
    /// Replace the content with S/MIME (RFC 8551): optionally signed, then
    /// encrypted to every --recipient-cert; the envelope fields and the
    /// Subject stay readable (TR 01201-3.4 §2.1.3).
    ///
    /// Exit code 0: done; 1: refused (the message is already sealed); 2:
    /// unreadable input or usage error.
    Protect(smime::ProtectArgs),
    /// Decrypt an S/MIME protected message, verify its inner signature and
    /// print the report as JSON.
    ///
    /// Exit code 0: opened and every signature passed; 1: not for this
    /// key, changed, or a signature that does not pass; 2: unreadable input
    /// or usage error.
    Open(smime::OpenArgs),
    /// Ident confirmations (Ident-Bestätigung, ID IO §2): build one from a
    /// card, or check a received one; JSON reports.
    Ident {
        #[command(subcommand)]
        command: ident::IdentCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect { file, lenient } => inspect(&file, lenient),
        Command::Sign {
            file,
            key,
            cert,
            alg,
            output,
        } => exit(sign(
            &file,
            key.as_deref(),
            cert.as_deref(),
            alg.as_deref(),
            output.as_deref(),
        )),
        Command::Verify {
            file,
            trust,
            tr_02102,
        } => exit(verify(&file, &trust, tr_02102)),
        Command::Confirm(args) => exit(confirm::run(&args)),
        Command::CheckConfirmation(args) => exit(check_confirmation::run(&args)),
        Command::Notify(args) => exit(notify::run(&args)),
        Command::Forward(args) => exit(forward::run(&args, demail::resend::ResendKind::Forward)),
        Command::Redirect(args) => exit(redirect::run(&args)),
        Command::SplitBcc(args) => exit(split_bcc::run(&args)),
        Command::Mbox { command } => exit(mbox::run(&command)),
        Command::Protect(args) => exit(smime::protect(&args)),
        Command::Open(args) => exit(smime::open(&args)),
        Command::Ident { command } => exit(ident::run(&command)),
    }
}

/// Prints a usage or input error in one line and maps it to exit code 2.
fn exit(result: Result<ExitCode, String>) -> ExitCode {
    result.unwrap_or_else(|message| {
        eprintln!("demail: {message}");
        ExitCode::from(2)
    })
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The provider's key and certificate (`--key`, `--cert`), when both are given.
fn load_signer(key: Option<&Path>, cert: Option<&Path>) -> Result<Option<(SigningKey, Certificate)>, String> {
    let (Some(key), Some(cert)) = (key, cert) else {
        return Ok(None);
    };
    let key = SigningKey::from_pkcs8_pem(&read_text(key)?).map_err(|e| format!("{}: {e}", key.display()))?;
    let cert = Certificate::from_pem(&read_text(cert)?).map_err(|e| format!("{}: {e}", cert.display()))?;
    Ok(Some((key, cert)))
}

/// Hash-only or signed options with the `--alg` algorithm (the `a=` tag of
/// §3.1.21), shared by `sign` and `split-bcc`.
fn sign_options<'a>(
    loaded: Option<&'a (SigningKey, Certificate)>,
    alg: Option<&str>,
) -> Result<SignOptions<'a>, String> {
    let algorithm = alg.map(Algorithm::parse).transpose().map_err(|e| e.to_string())?;
    let mut options = match loaded {
        Some((key, cert)) => SignOptions::signed(key, cert),
        None => SignOptions::hash_only(),
    };
    if let Some(algorithm) = algorithm {
        options.hash = algorithm.hash;
        match (&mut options.signer, algorithm.signature) {
            (Some(signer), Some(scheme)) => signer.scheme = scheme,
            (None, None) => {}
            (Some(_), None) => return Err(format!("--alg {algorithm} is hash-only but a key was given")),
            (None, Some(_)) => return Err(format!("--alg {algorithm} needs --key and --cert")),
        }
    }
    Ok(options)
}

fn sign(
    file: &Path,
    key: Option<&Path>,
    cert: Option<&Path>,
    alg: Option<&str>,
    output: Option<&Path>,
) -> Result<ExitCode, String> {
    let raw = read_input(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let loaded = load_signer(key, cert)?;
    let options = sign_options(loaded.as_ref(), alg)?;
    let signed = match demail::integrity::sign(&raw, &options) {
        Ok(signed) => signed,
        // A refusal by rule (exit 1), not an unreadable input.
        Err(error @ IntegrityError::UnsignedAuthoritative { .. }) => {
            eprintln!("demail: {}: {error}", file.display());
            return Ok(ExitCode::from(1));
        }
        Err(error) => return Err(format!("{}: {error}", file.display())),
    };
    match output {
        Some(path) => {
            std::fs::write(path, &signed).map_err(|e| format!("cannot write {}: {e}", path.display()))?
        }
        None => std::io::stdout()
            .write_all(&signed)
            .map_err(|e| format!("cannot write the message: {e}"))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The trust inputs of the commands that verify signatures.
#[derive(clap::Args)]
struct TrustArgs {
    /// A trusted root certificate (PEM, may hold several); repeatable.
    #[arg(long = "trust-anchor")]
    trust_anchors: Vec<PathBuf>,
    /// An intermediate certificate (PEM) for path building; repeatable.
    #[arg(long = "intermediate")]
    intermediates: Vec<PathBuf>,
    /// Verification time as RFC 3339 (default: now).
    #[arg(long)]
    at: Option<String>,
    /// TR-literal reading of duplicates: the first occurrence of a signed
    /// field wins (the report still lists every duplicate). Default: refuse.
    #[arg(long)]
    allow_duplicate_fields: bool,
    /// Fail every hash-only message (FC-04), not only authoritative messages
    /// and confirmations.
    #[arg(long)]
    require_signature: bool,
    /// A JSON file listing which provider certificates may sign for which
    /// De-Mail domains (docs/decisions.md D52); an unlisted signer fails FC-02.
    /// It binds only signed mail: a hash-only message passes with
    /// `signer_binding` `unsigned`; add --require-signature to refuse it.
    #[arg(long, value_name = "FILE")]
    provider_directory: Option<PathBuf>,
}

/// [`TrustArgs`] read: the certificates, the verification time and policy.
struct Trust {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    time: SystemTime,
    duplicate_fields: DuplicatePolicy,
    require_signature: bool,
    directory: Option<ProviderMap>,
}

impl TrustArgs {
    fn load(&self) -> Result<Trust, String> {
        Ok(Trust {
            anchors: load_certificates(&self.trust_anchors)?,
            intermediates: load_certificates(&self.intermediates)?,
            time: self
                .at
                .as_deref()
                .map(parse_time)
                .transpose()?
                .unwrap_or_else(SystemTime::now),
            duplicate_fields: if self.allow_duplicate_fields {
                DuplicatePolicy::FirstWins
            } else {
                DuplicatePolicy::Refuse
            },
            require_signature: self.require_signature,
            directory: self
                .provider_directory
                .as_deref()
                .map(provider_directory::load)
                .transpose()?,
        })
    }
}

impl Trust {
    fn options(&self, key_policy: KeyPolicy) -> VerifyOptions<'_> {
        VerifyOptions {
            time: self.time,
            trust_anchors: &self.anchors,
            intermediates: &self.intermediates,
            key_policy,
            status_check: None,
            duplicate_fields: self.duplicate_fields,
            require_signature: self.require_signature,
            provider_directory: self.directory.as_ref().map(|d| d as &dyn ProviderDirectory),
        }
    }
}

fn load_certificates(paths: &[PathBuf]) -> Result<Vec<Certificate>, String> {
    let mut all = Vec::new();
    for path in paths {
        let certs =
            Certificate::all_from_pem(&read_text(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("{}: no CERTIFICATE in the file", path.display()));
        }
        all.extend(certs);
    }
    Ok(all)
}

fn parse_time(text: &str) -> Result<SystemTime, String> {
    let parsed = mail_parser::DateTime::parse_rfc3339(text)
        .filter(|d| d.is_valid())
        .ok_or_else(|| format!("--at {text}: not an RFC 3339 date-time"))?;
    let seconds = parsed.to_timestamp();
    let offset = Duration::from_secs(seconds.unsigned_abs());
    Ok(if seconds >= 0 {
        UNIX_EPOCH + offset
    } else {
        UNIX_EPOCH - offset
    })
}

fn verify(file: &Path, trust: &TrustArgs, tr_02102: bool) -> Result<ExitCode, String> {
    let raw = read_input(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let envelope = Envelope::parse(&raw).map_err(|e| format!("{}: {e}", file.display()))?;
    let trust = trust.load()?;
    let options = trust.options(if tr_02102 {
        KeyPolicy::tr_02102()
    } else {
        KeyPolicy::default()
    });
    let report = demail::integrity::verify(&envelope, &options);
    let mut output = report_json(&report);
    output["envelope"] = envelope_json(&envelope);
    let text = serde_json::to_string_pretty(&output).map_err(|e| format!("cannot write JSON: {e}"))?;
    println!("{text}");
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn report_json(report: &VerificationReport) -> Value {
    let (verdict, case, reason) = match &report.verdict {
        Verdict::Pass => ("pass", None, None),
        Verdict::SignatureValidUntrusted => ("signature valid, signer not trusted", None, None),
        Verdict::Fail(failure) => ("fail", Some(failure.case().code()), Some(failure.to_string())),
    };
    let failure = report.failure();
    json!({
        "verdict": verdict,
        "error_case": case,
        "code": failure.map(|f| f.code()),
        "reason": reason,
        "offset": failure.and_then(|f| f.offset()),
        "duplicates": report.duplicates.iter().map(|d| json!({
            "field": d.field,
            "first_offset": d.first_offset,
            "offset": d.offset,
        })).collect::<Vec<_>>(),
        "invalid_authoritative": report.invalid_authoritative,
        "signer_binding": signer_binding_json(&report.signer_binding),
        "mode": report.mode.map(|m| match m {
            IntegrityMode::HashOnly => "hash-only",
            IntegrityMode::Signed => "signed",
        }),
        "algorithm": report.algorithm.map(|a| a.to_string()),
        "body_hash_ok": report.body_hash_ok,
        "header_ok": report.header_ok,
        "trusted": report.trusted,
        "status": match &report.status {
            StatusResult::NotChecked => "not checked".to_owned(),
            StatusResult::Good => "good".to_owned(),
            StatusResult::Failed(reason) => format!("failed: {reason}"),
            _ => "unknown".to_owned(),
        },
        "certificate": report.certificate.as_ref().map(|c| json!({
            "subject": c.subject,
            "issuer": c.issuer,
            "serial": c.serial,
            "not_before": c.not_before,
            "not_after": c.not_after,
            "key": c.public_key.describe(),
        })),
    })
}

/// `{"state": "not_checked" | "listed" | "not_listed" | "no_sender_domain" | "unsigned", "domain": ...}`.
pub(crate) fn signer_binding_json(binding: &SignerBinding) -> Value {
    let (state, domain) = match binding {
        SignerBinding::Listed { domain } => ("listed", Some(domain)),
        SignerBinding::NotListed { domain } => ("not_listed", Some(domain)),
        SignerBinding::NoSenderDomain => ("no_sender_domain", None),
        SignerBinding::Unsigned => ("unsigned", None),
        _ => ("not_checked", None),
    };
    json!({ "state": state, "domain": domain })
}

fn read_input(file: &Path) -> std::io::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut raw = Vec::new();
        std::io::stdin().read_to_end(&mut raw)?;
        Ok(raw)
    } else {
        std::fs::read(file)
    }
}

/// What `inspect` shows of an ident confirmation: the assertion's fields
/// and card type, unverified (`ident check` verifies), or why it cannot be read.
fn ident_json(raw: &[u8]) -> Value {
    match demail::ident::read_ident_confirmation(raw) {
        Ok(assertion) => json!({
            "kind": "identification",
            "card_type": assertion.card.card_type().element(),
            "assertion": ident::assertion_json(&assertion),
        }),
        Err(error) => json!({
            "kind": "identification",
            "card_type": Value::Null,
            "error": error.to_string(),
        }),
    }
}

fn inspect(file: &Path, lenient: bool) -> ExitCode {
    let raw = match read_input(file) {
        Ok(raw) => raw,
        Err(err) => {
            eprintln!("demail: cannot read {}: {err}", file.display());
            return ExitCode::from(2);
        }
    };
    let envelope = match Envelope::parse(&raw) {
        Ok(envelope) => envelope,
        Err(err) => {
            eprintln!("demail: {}: {err}", file.display());
            return ExitCode::from(2);
        }
    };
    let report = envelope.validate();
    let mode = if lenient { Mode::Lenient } else { Mode::Strict };
    let mut output = envelope_json(&envelope);
    output["violations"] = violations_json(&report);
    output["warnings"] = envelope
        .warnings()
        .iter()
        .map(|w| Value::from(w.to_string()))
        .collect();
    output["valid"] = Value::from(report.accepts(mode));
    output["end_to_end"] = end_to_end::end_to_end_json(&raw);
    if envelope.kind() == Some(MessageKind::Ident) {
        output["ident"] = ident_json(&raw);
    }
    match serde_json::to_string_pretty(&output) {
        Ok(text) => println!("{text}"),
        Err(err) => {
            eprintln!("demail: cannot write JSON: {err}");
            return ExitCode::from(2);
        }
    }
    if report.accepts(mode) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Every violation of the report: De-Mail fields, RFC 5322 duplicates, bare LF.
fn violations_json(report: &Report) -> Value {
    let mut all: Vec<Value> = report
        .violations()
        .iter()
        .map(|v| {
            json!({
                "field": v.field.as_str(),
                "rule": v.rule.id(),
                "section": v.section,
                "offset": v.offset,
                "detail": v.detail,
            })
        })
        .collect();
    all.extend(report.duplicates().iter().map(|d| {
        json!({
            "field": d.name,
            "rule": Rule::DuplicateField.id(),
            "section": "RFC 5322 §3.6; TR 01201-3.4 §3.1.1",
            "offset": d.offset,
            "first_offset": d.first_offset,
            "detail": d.to_string(),
        })
    }));
    if let Some(offset) = report.bare_line_feed() {
        all.push(json!({
            "field": null,
            "rule": Rule::BareLineFeed.id(),
            "section": "TR 01201-3.4 §3.1.21 condition 4; RFC 5322 §2.1",
            "offset": offset,
            "detail": format!("bare LF at byte {offset}: lines must end in CRLF (a file stored with LF line ends is refused)"),
        }));
    }
    Value::from(all)
}

fn envelope_json(envelope: &Envelope<'_>) -> Value {
    let m = envelope.metadata();
    let mut options = serde_json::Map::new();
    for option in DispatchOption::ALL {
        let key = option
            .field()
            .as_str()
            .trim_start_matches("X-de-mail-")
            .replace('-', "_");
        options.insert(key, Value::from(m.option(option)));
    }
    json!({
        "kind": envelope.kind().map(MessageKind::as_str),
        "forwarded": envelope.is_forwarded(),
        "message_type": m.message_type.map(|t| t.as_str()),
        "notification_type": m.notification_type.map(|t| t.as_str()),
        "from": m.from.as_ref().map(DeMailAddress::to_string),
        "sender": m.sender.as_ref().map(DeMailAddress::addr_spec),
        "reply_to": m.reply_to.as_ref().map(DeMailAddress::to_string),
        "chosen_recipient": m.chosen_recipient.as_ref().map(recipients_json),
        "actual_recipient": m.actual_recipient.as_ref().map(recipients_json),
        "options": options,
        "auth_level": m.auth_level.map(|l| l.as_str()),
        "auth_mechanism": m.auth_mechanism.as_deref(),
        "originator_provider": m.originator_provider.as_deref(),
        "version": m.version.as_ref().map(|v| v.as_str()),
        "message_id": m.message_id.as_deref(),
        "demail_message_id": m.demail_message_id.as_deref(),
        "private_id": m.private_id.as_deref(),
        "account_holder": m.account_holder.as_deref(),
        "subject": m.subject.as_deref(),
        "date": m.date.map(|d| d.to_rfc5322()),
        "integrity_present": envelope.field(FieldName::Integrity).is_some(),
        "certificate_present": envelope.field(FieldName::SignatureCertificate).is_some(),
    })
}

fn recipients_json(list: &RecipientList<'_>) -> Value {
    let addresses = |v: &[DeMailAddress<'_>]| v.iter().map(|a| Value::from(a.to_string())).collect::<Value>();
    json!({ "to": addresses(&list.to), "cc": addresses(&list.cc), "bcc": addresses(&list.bcc) })
}
