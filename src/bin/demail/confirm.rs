//! `demail confirm`: build a confirmation of an original message
//! (TR 01201-3.4 §3.5.1); [`refused`] is shared with `demail notify`.
//!
//! Exit codes: 0 written; 1 refused by the TR for this original (PVD FU
//! Schritt 36, 45, 67, Funktion 1); 2 unreadable input or usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use demail::address::DeMailAddress;
use demail::confirmation::{ConfirmationKind, ConfirmationRequest, build_confirmation};
use demail::envelope::Envelope;
use demail::provider::{BuildError, Issuer};

use crate::io::{self, CliError};

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

/// The provider that issues a confirmation or notification
/// ([`Issuer`]), shared by `demail confirm` and `demail notify`.
#[derive(Args)]
pub(crate) struct IssuerArgs {
    /// The provider's name, shown in the text (and a notification's XML Sender).
    #[arg(long)]
    provider_name: String,
    /// A link to the provider's site, shown after the name.
    #[arg(long)]
    provider_link: Option<String>,
    /// The system address that sends it, e.g. Versandbestaetigung@dmda.de-mail.de for a
    /// dispatch confirmation, Meldung@... or Schadsoftware-Warnung@... for a notification.
    #[arg(long)]
    system_address: String,
}

impl IssuerArgs {
    /// The issuer, with the system address read.
    pub(crate) fn issuer(&self) -> Result<Issuer, CliError> {
        let address = DeMailAddress::parse(&self.system_address)
            .map_err(|e| CliError::invalid(format!("--system-address {}", self.system_address), e))?;
        let mut issuer = Issuer::new(self.provider_name.clone(), address);
        issuer.link = self.provider_link.clone();
        Ok(issuer)
    }
}

/// Arguments of `demail confirm`.
#[derive(Args)]
pub(crate) struct ConfirmArgs {
    /// The kind of confirmation.
    kind: KindArg,
    /// The original message, or `-` for standard input.
    original: PathBuf,
    #[command(flatten)]
    signer: io::SignerArgs,
    #[command(flatten)]
    issuer: IssuerArgs,
    /// The confirmation time, RFC 3339 with offset (default: now, UTC).
    #[arg(long)]
    at: Option<String>,
    /// Retrieve only: when the message reached the mailbox, RFC 3339 with offset.
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

/// Runs `demail confirm`.
pub(crate) fn run(args: &ConfirmArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.original)?;
    let original = Envelope::parse(&raw).map_err(|e| CliError::invalid(args.original.display(), e))?;
    let signer = args.signer.load_required()?;
    let issuer = args.issuer.issuer()?;
    let request = ConfirmationRequest {
        kind: args.kind.kind(),
        issuer: &issuer,
        time: io::time_or_now("--at", args.at.as_deref())?,
        delivery_time: args
            .delivered_at
            .as_deref()
            .map(|t| io::parse_time("--delivered-at", t))
            .transpose()?,
        message_id: None,
    };
    let confirmation =
        build_confirmation(&original, &request, signer.as_ref()).map_err(|e| refused(&args.original, e))?;
    io::write_output(args.output.as_deref(), &confirmation)?;
    Ok(ExitCode::SUCCESS)
}

/// A build error: exit 1 when the TR forbids the message for this original
/// (PVD FU Schritt 36, 45, 67, Funktion 1), otherwise a usage or input
/// error (exit 2).
pub(crate) fn refused(original: &Path, error: BuildError) -> CliError {
    match error {
        BuildError::SentOnCopy { .. } | BuildError::SystemAddressee { .. } => {
            CliError::refused(original.display(), error)
        }
        other => CliError::invalid(original.display(), other),
    }
}
