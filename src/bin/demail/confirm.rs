//! `demail confirm`: build a confirmation of an original message
//! (TR 01201-3.4 §3.5.1).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::confirmation::{ConfirmationKind, ConfirmationRequest, build_confirmation};
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::provider::{BuildError, Issuer};

/// The confirmation kinds on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum KindArg {
    /// Versandbestätigung (`confirmation of dispatch`).
    Dispatch,
    /// Eingangsbestätigung (`confirmation of receipt`).
    Receipt,
    /// Abholbestätigung (`confirmation of retrieve`); needs --delivered-at.
    Retrieve,
    /// Schadsoftware-Bestätigung (`malware-acknowledge`).
    Malware,
}

/// Arguments of `demail confirm`.
#[derive(Args)]
pub(crate) struct ConfirmArgs {
    /// The kind of confirmation.
    kind: KindArg,
    /// The original message, or `-` for standard input.
    original: PathBuf,
    /// The provider's PKCS#8 private key (PEM).
    #[arg(long)]
    provider_key: PathBuf,
    /// The provider's certificate (PEM).
    #[arg(long)]
    provider_cert: PathBuf,
    /// The provider's name, shown in the text.
    #[arg(long)]
    provider_name: String,
    /// A link to the provider's site, shown after the name.
    #[arg(long)]
    provider_link: Option<String>,
    /// The system address that sends the confirmation, e.g. Versandbestaetigung@dmda.de-mail.de.
    #[arg(long)]
    system_address: String,
    /// The confirmation time, RFC 3339 (default: now, UTC).
    #[arg(long)]
    at: Option<String>,
    /// Retrieve only: when the message reached the mailbox, RFC 3339.
    #[arg(long)]
    delivered_at: Option<String>,
    /// Write the confirmation here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

impl KindArg {
    fn kind(self) -> ConfirmationKind {
        match self {
            KindArg::Dispatch => ConfirmationKind::Dispatch,
            KindArg::Receipt => ConfirmationKind::Receipt,
            KindArg::Retrieve => ConfirmationKind::Retrieve,
            KindArg::Malware => ConfirmationKind::Malware,
        }
    }
}

/// Parses an RFC 3339 time into a date-time with its offset; `None` is now in UTC.
pub(crate) fn date_time(text: Option<&str>, option: &str) -> Result<DateTime, String> {
    let parsed = match text {
        Some(text) => mail_parser::DateTime::parse_rfc3339(text)
            .filter(|d| d.is_valid())
            .ok_or_else(|| format!("{option} {text}: not an RFC 3339 date-time"))?,
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| e.to_string())?;
            mail_parser::DateTime::from_timestamp(i64::try_from(now.as_secs()).map_err(|e| e.to_string())?)
        }
    };
    let offset = i16::from(parsed.tz_hour) * 60 + i16::from(parsed.tz_minute);
    Ok(DateTime {
        year: parsed.year,
        month: parsed.month,
        day: parsed.day,
        hour: parsed.hour,
        minute: parsed.minute,
        second: parsed.second,
        offset_minutes: if parsed.tz_before_gmt { -offset } else { offset },
    })
}

/// Loads the provider's key and certificate.
pub(crate) fn load_signer(key: &Path, cert: &Path) -> Result<(SigningKey, Certificate), String> {
    let key =
        SigningKey::from_pkcs8_pem(&super::read_text(key)?).map_err(|e| format!("{}: {e}", key.display()))?;
    let cert =
        Certificate::from_pem(&super::read_text(cert)?).map_err(|e| format!("{}: {e}", cert.display()))?;
    Ok((key, cert))
}

/// Writes the result to a file or standard output.
pub(crate) fn write_output(output: Option<&Path>, data: &[u8]) -> Result<(), String> {
    use std::io::Write;
    match output {
        Some(path) => std::fs::write(path, data).map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout()
            .write_all(data)
            .map_err(|e| format!("cannot write the message: {e}")),
    }
}

/// Runs `demail confirm`.
pub(crate) fn run(args: &ConfirmArgs) -> Result<ExitCode, String> {
    let raw = super::read_input(&args.original)
        .map_err(|e| format!("cannot read {}: {e}", args.original.display()))?;
    let original = Envelope::parse(&raw).map_err(|e| format!("{}: {e}", args.original.display()))?;
    let (key, cert) = load_signer(&args.provider_key, &args.provider_cert)?;
    let address = DeMailAddress::parse(&args.system_address).map_err(|e| format!("--system-address: {e}"))?;
    let mut issuer = Issuer::new(args.provider_name.clone(), address);
    issuer.link = args.provider_link.clone();
    let request = ConfirmationRequest {
        kind: args.kind.kind(),
        issuer: &issuer,
        time: date_time(args.at.as_deref(), "--at")?,
        delivery_time: args
            .delivered_at
            .as_deref()
            .map(|t| date_time(Some(t), "--delivered-at"))
            .transpose()?,
        message_id: None,
    };
    let confirmation = match build_confirmation(&original, &request, &key, &cert) {
        Ok(confirmation) => confirmation,
        Err(error) => return refused(&args.original, error),
    };
    write_output(args.output.as_deref(), &confirmation)?;
    Ok(ExitCode::SUCCESS)
}

/// A build error: exit 1 when the TR forbids the message for this original
/// (PVD FU Schritt 36, 45, 67, Funktion 1), otherwise a usage or input
/// error (exit 2).
pub(crate) fn refused(original: &Path, error: BuildError) -> Result<ExitCode, String> {
    match error {
        BuildError::SentOnCopy { .. } | BuildError::SystemAddressee { .. } => {
            eprintln!("demail: refused: {}: {error}", original.display());
            Ok(ExitCode::from(1))
        }
        other => Err(format!("{}: {other}", original.display())),
    }
}
