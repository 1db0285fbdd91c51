//! `demail notify`: build a notification message about an original message
//! (TR 01201-3.4 §3.5.2, §3.1.20).
//!
//! Exit codes: 0 written; 1 refused by the TR for this original (sent on
//! copy, or to a system address); 2 unreadable input or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use demail::address::DeMailAddress;
use demail::envelope::Envelope;
use demail::notification::{NotificationKind, NotificationRequest, build_notification};

use crate::io::{self, CliError};

/// The notification types on the command line (Table 22, and malware).
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TypeArg {
    /// `unknown-recipient`.
    UnknownRecipient,
    /// `closed-account`.
    ClosedAccount,
    /// `invalid-format`.
    InvalidFormat,
    /// `other`.
    Other,
    /// `malware-notification`.
    Malware,
}

/// Arguments of `demail notify`.
#[derive(Args)]
pub(crate) struct NotifyArgs {
    /// The notification type.
    kind: TypeArg,
    /// The original message, or `-` for standard input.
    original: PathBuf,
    #[command(flatten)]
    issuer: crate::confirm::IssuerArgs,
    #[command(flatten)]
    signer: io::SignerArgs,
    /// The recipient the notification is about.
    #[arg(long)]
    recipient: Option<String>,
    /// A further explanation (the check result).
    #[arg(long)]
    reason: Option<String>,
    /// The notification time, RFC 3339 with offset (default: now, UTC).
    #[arg(long)]
    at: Option<String>,
    /// Write the notification here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Runs `demail notify`.
pub(crate) fn run(args: &NotifyArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.original)?;
    let original = Envelope::parse(&raw).map_err(|e| CliError::invalid(args.original.display(), e))?;
    let issuer = args.issuer.issuer()?;
    let kind = match args.kind {
        TypeArg::UnknownRecipient => NotificationKind::UnknownRecipient,
        TypeArg::ClosedAccount => NotificationKind::ClosedAccount,
        TypeArg::InvalidFormat => NotificationKind::InvalidFormat,
        TypeArg::Other => NotificationKind::Other,
        TypeArg::Malware => NotificationKind::Malware,
    };
    let mut request = NotificationRequest::new(kind, &issuer, io::time_or_now("--at", args.at.as_deref())?);
    request.recipient = args
        .recipient
        .as_deref()
        .map(|text| {
            DeMailAddress::parse(text).map_err(|e| CliError::invalid(format!("--recipient {text}"), e))
        })
        .transpose()?;
    request.reason = args.reason.clone();
    let signer = args.signer.load()?;
    let notification = build_notification(&original, &request, signer.as_deref())
        .map_err(|e| crate::confirm::refused(&args.original, e))?;
    io::write_output(args.output.as_deref(), &notification)?;
    Ok(ExitCode::SUCCESS)
}
