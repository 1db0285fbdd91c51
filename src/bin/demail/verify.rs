//! `demail verify`: check `X-de-mail-integrity` (TR 01201-3.4 §3.1.21) and
//! print the report as JSON; the report JSON is shared with every command
//! that verifies a message (`check-confirmation`, `ident check`).
//!
//! With `--stamp --authserv-id ID -o OUT` the gateway also writes the
//! message with its stamp on top: an `Authentication-Results` field (RFC
//! 8601, method `x-demail`, [`demail::stamp`], D140) with the verdict and the
//! end-to-end protection summary (§2.1.3, [`demail::protection::analyze`]);
//! the report still goes to standard output (D151).
//!
//! Exit codes: 0 pass; 1 fails or the signer is not trusted (the stamped
//! message is written either way); 2 unreadable input or usage error, also
//! `--stamp` without `--authserv-id` or `-o`, or an authserv-id that is not
//! a domain name (nothing is written then).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::{Value, json};

use demail::envelope::Envelope;
use demail::integrity::{IntegrityMode, Verdict, VerificationReport};
use demail::provider_directory::SignerBinding;

use crate::io::{self, CliError, TrustArgs};

/// The arguments of `demail verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The message file, or `-` for standard input.
    file: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Require RSA keys of at least 3000 bits (BSI TR-02102-1).
    #[arg(long)]
    tr_02102: bool,
    #[command(flatten)]
    stamp: StampArgs,
}

/// The gateway stamp options (D151): all three together or none.
#[derive(Args)]
struct StampArgs {
    /// Also write the message with the gateway's stamp on top
    /// (Authentication-Results, RFC 8601, method x-demail) to --output;
    /// needs --authserv-id and --output.
    #[arg(long, requires_all = ["authserv_id", "output"])]
    stamp: bool,
    /// The gateway's name in its stamp, a domain name (RFC 8601 §2.5), e.g.
    /// gw.example.de; earlier stamps of this name are replaced. Required
    /// with --stamp: a gateway must name itself.
    #[arg(long, requires = "stamp", value_name = "ID")]
    authserv_id: Option<String>,
    /// Where the stamped message is written.
    #[arg(short, long, requires = "stamp", value_name = "OUT")]
    output: Option<PathBuf>,
}

/// Verifies the message; see the module documentation for exit codes.
pub(crate) fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let envelope = Envelope::parse(&raw).map_err(|e| CliError::invalid(args.file.display(), e))?;
    let mut trust = args.trust.load()?;
    let mut report = demail::integrity::verify(&envelope, &trust.options(args.tr_02102));
    let online = trust.fetch_online(report.certificate.as_ref());
    if online.is_some() {
        report = demail::integrity::verify(&envelope, &trust.options(args.tr_02102));
    }
    let mut output = report_json(&report);
    output["envelope"] = crate::inspect::envelope_json(&envelope);
    if let Some(online) = online {
        output["online"] = online;
    }
    if let (Some(id), Some(path)) = (&args.stamp.authserv_id, &args.stamp.output) {
        output["stamp"] = write_stamp(&envelope, &report, id, path)?;
    }
    io::print_json(&output)?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes the stamped message to `path`; the report's `stamp` object.
///
/// The end-to-end summary is left out of the stamp, not guessed, when the
/// MIME structure cannot be analysed (D151); the report says why.
fn write_stamp(
    envelope: &Envelope<'_>,
    report: &VerificationReport,
    id: &str,
    path: &Path,
) -> Result<Value, CliError> {
    let protection = demail::protection::analyze(envelope.raw());
    let stamped = demail::stamp::stamp(envelope, id, report, protection.as_ref().ok())
        .map_err(|e| CliError::invalid(format!("--authserv-id {id}"), e))?;
    io::write_output(Some(path), &stamped)?;
    Ok(json!({
        "authserv_id": id,
        "output": path.display().to_string(),
        "protection_error": protection.err().map(|e| e.to_string()),
    }))
}

/// The integrity report: verdict, FU error case, rule code, hashes, trust,
/// certificate.
pub(crate) fn report_json(report: &VerificationReport) -> Value {
    let (case, reason) = match &report.verdict {
        Verdict::Fail(failure) => (Some(failure.case().code()), Some(failure.to_string())),
        _ => (None, None),
    };
    let failure = report.failure();
    json!({
        "verdict": verdict_name(&report.verdict),
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
        "status": report.status.code(),
        "certificate": report.certificate.as_ref().map(|c| {
            let mut certificate = json!({
                "subject": c.subject,
                "issuer": c.issuer,
                "serial": c.serial,
                "not_before": c.not_before,
                "not_after": c.not_after,
                "key": c.public_key.describe(),
            });
            merge(&mut certificate, io::status_json(&report.status, report.indication));
            certificate
        }),
    })
}

/// Adds the fields of `more` (an object) to `into` (an object).
fn merge(into: &mut Value, more: Value) {
    if let (Value::Object(into), Value::Object(more)) = (into, more) {
        into.extend(more);
    }
}

/// The name of a verdict in the reports: `pass`, `signature valid, signer
/// not trusted`, `fail` (the library's [`Verdict`] has no name of its own yet).
pub(crate) fn verdict_name(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::SignatureValidUntrusted => "signature valid, signer not trusted",
        _ => "fail",
    }
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
