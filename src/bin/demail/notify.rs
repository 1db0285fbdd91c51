//! `demail notify`: build a notification message about an original message
//! (TR 01201-3.4 §3.5.2, §3.1.20).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use demail::address::DeMailAddress;
use demail::envelope::Envelope;
use demail::notification::{NotificationKind, NotificationRequest, build_notification};
use demail::provider::Issuer;

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
    /// The provider's name (the XML Sender).
    #[arg(long)]
    provider_name: String,
    /// A link to the provider's site, shown after the name.
    #[arg(long)]
    provider_link: Option<String>,
    /// The system address that sends it: Meldung@... or Schadsoftware-Warnung@... for malware.
    #[arg(long)]
    system_address: String,
    /// The provider's PKCS#8 private key (PEM); without it the message is hash-only.
    #[arg(long, requires = "provider_cert")]
    provider_key: Option<PathBuf>,
    /// The provider's certificate (PEM).
    #[arg(long, requires = "provider_key")]
    provider_cert: Option<PathBuf>,
    /// The recipient the notification is about.
    #[arg(long)]
    recipient: Option<String>,
    /// A further explanation (the check result).
    #[arg(long)]
    reason: Option<String>,
    /// The notification time, RFC 3339 (default: now, UTC).
    #[arg(long)]
    at: Option<String>,
    /// Write the notification here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Runs `demail notify`.
pub(crate) fn run(args: &NotifyArgs) -> Result<ExitCode, String> {
    let raw = super::read_input(&args.original)
        .map_err(|e| format!("cannot read {}: {e}", args.original.display()))?;
    let original = Envelope::parse(&raw).map_err(|e| format!("{}: {e}", args.original.display()))?;
    let address = DeMailAddress::parse(&args.system_address).map_err(|e| format!("--system-address: {e}"))?;
    let mut issuer = Issuer::new(args.provider_name.clone(), address);
    issuer.link = args.provider_link.clone();
    let kind = match args.kind {
        TypeArg::UnknownRecipient => NotificationKind::UnknownRecipient,
        TypeArg::ClosedAccount => NotificationKind::ClosedAccount,
        TypeArg::InvalidFormat => NotificationKind::InvalidFormat,
        TypeArg::Other => NotificationKind::Other,
        TypeArg::Malware => NotificationKind::Malware,
    };
    let mut request = NotificationRequest::new(
        kind,
        &issuer,
        super::confirm::date_time(args.at.as_deref(), "--at")?,
    );
    request.recipient = args
        .recipient
        .as_deref()
        .map(DeMailAddress::parse)
        .transpose()
        .map_err(|e| format!("--recipient: {e}"))?;
    request.reason = args.reason.clone();
    let signer = match (&args.provider_key, &args.provider_cert) {
        (Some(key), Some(cert)) => Some(super::confirm::load_signer(key, cert)?),
        _ => None,
    };
    let notification = match build_notification(&original, &request, signer.as_ref().map(|(k, c)| (k, c))) {
        Ok(notification) => notification,
        Err(error) => return super::confirm::refused(&args.original, error),
    };
    super::confirm::write_output(args.output.as_deref(), &notification)?;
    Ok(ExitCode::SUCCESS)
}
