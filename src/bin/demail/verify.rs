//! `demail verify`: check `X-de-mail-integrity` (TR 01201-3.4 §3.1.21) and
//! print the report as JSON: the library's [`VerificationReport`], as in
//! every command that verifies a message (`check-confirmation`, `ident
//! check`), with the same envelope object as `demail inspect`.
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
use serde::Serialize;

use demail::envelope::Envelope;
use demail::integrity::VerificationReport;
use demail::protection::ProtectionError;

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
    /// Also write the status evidence the verification used (the CA
    /// certificates of the path, the CRLs and OCSP responses that decided
    /// the status) as an evidence bundle, for a later `--evidence` (D199).
    #[arg(long, value_name = "PATH")]
    evidence_out: Option<PathBuf>,
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

/// The report of `demail verify` (docs/schemas/verify.schema.json).
#[derive(Serialize)]
struct VerifyReport<'r, 'a> {
    #[serde(flatten)]
    report: &'r VerificationReport,
    envelope: &'r Envelope<'a>,
    stamp: Option<StampReport>,
    /// With `--online` (D198).
    #[serde(skip_serializing_if = "Option::is_none")]
    online: Option<io::OnlineReport>,
}

/// Where the stamped message went; why the end-to-end summary was left out.
#[derive(Serialize)]
struct StampReport {
    authserv_id: String,
    output: String,
    protection_error: Option<ProtectionError>,
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
    // After --online: the bundle holds what decided the final report.
    if let Some(path) = &args.evidence_out {
        trust.write_evidence(path, [(&report.status, report.chain.as_slice())])?;
    }
    let stamp = match (&args.stamp.authserv_id, &args.stamp.output) {
        (Some(id), Some(path)) => Some(write_stamp(&envelope, &report, id, path)?),
        _ => None,
    };
    io::print_json(&VerifyReport {
        report: &report,
        envelope: &envelope,
        stamp,
        online,
    })?;
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
) -> Result<StampReport, CliError> {
    let protection = demail::protection::analyze(envelope.raw());
    let stamped = demail::stamp::stamp(envelope, id, report, protection.as_ref().ok())
        .map_err(|e| CliError::invalid(format!("--authserv-id {id}"), e))?;
    io::write_output(Some(path), &stamped)?;
    Ok(StampReport {
        authserv_id: id.to_owned(),
        output: path.display().to_string(),
        protection_error: protection.err(),
    })
}
