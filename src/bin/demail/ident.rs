//! `demail ident build` and `demail ident check`: ident confirmations
//! (TR 01201 ID IO §2), the card as JSON (README "Ident cards as JSON", D77).
//!
//! Exit codes: 0 built, or every check passes; 1 refused (card, holder or
//! sender break a rule) or a failed check; 2 unreadable input or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::Value;

use demail::address::DeMailAddress;
use demail::ident::{
    CardField, CardType, IdentBuildError, IdentCard, IdentReport, IdentRequest, build_ident_confirmation,
    check_ident_confirmation,
};
use demail::provider::Issuer;

use crate::io::{self, CliError, TrustArgs};

/// The `ident` subcommands.
#[derive(Subcommand)]
pub(crate) enum IdentCommand {
    /// Build a signed ident confirmation (Ident-Bestätigung) from a card.
    ///
    /// Exit code 0: written; 1: refused (card, holder or sender break a
    /// rule); 2: unreadable input or usage error.
    Build(BuildArgs),
    /// Check a received ident confirmation; print card, assertion and checks as JSON.
    ///
    /// Exit code 0: every check passes; 1: a mismatch or bad signature; 2:
    /// unreadable input or usage error.
    Check(CheckArgs),
}

/// Arguments of `demail ident build`.
#[derive(Args)]
pub(crate) struct BuildArgs {
    /// The card as JSON (`{"type": "NaturalPerson", "validation_time": ..., "fields": [...]}`).
    #[arg(long)]
    card: PathBuf,
    /// The orderer and card holder (Cc; the assertion's subject).
    #[arg(long)]
    holder: String,
    /// The receiving service provider (To; the assertion's audience).
    #[arg(long)]
    audience: String,
    /// The provider's PKCS#8 private key (PEM), or --pkcs11-module.
    #[arg(long, required_unless_present = "pkcs11_module", requires = "provider_cert")]
    provider_key: Option<PathBuf>,
    /// The provider's certificate (PEM or DER); with --pkcs11-module it
    /// replaces the token's certificate.
    #[arg(long)]
    provider_cert: Option<PathBuf>,
    #[command(flatten)]
    pkcs11: io::Pkcs11Args,
    /// The sender, `Ident-Bestaetigung@<DMDA>`.
    #[arg(long)]
    provider_address: String,
    /// The provider's name in From (default: the address's domain).
    #[arg(long)]
    provider_name: Option<String>,
    /// Issue time as RFC 3339 with offset (default: now, UTC).
    #[arg(long)]
    at: Option<String>,
    /// The holder's last authentication as RFC 3339 with offset (default: the issue time).
    #[arg(long)]
    authn_instant: Option<String>,
    /// The AuthnContextClassRef URI (default: MobileTwoFactorContract).
    #[arg(long)]
    authn_context: Option<String>,
    /// Write the message here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Arguments of `demail ident check`.
#[derive(Args)]
pub(crate) struct CheckArgs {
    /// The ident confirmation, or `-` for standard input.
    file: PathBuf,
    /// The receiving service provider the assertion must name as audience.
    #[arg(long)]
    audience: Option<String>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Require RSA keys of at least 3000 bits (BSI TR-02102-1).
    #[arg(long)]
    tr_02102: bool,
}

/// Runs one ident subcommand; see the module documentation for exit codes.
pub(crate) fn run(command: &IdentCommand) -> Result<ExitCode, CliError> {
    match command {
        IdentCommand::Build(args) => build(args),
        IdentCommand::Check(args) => check(args),
    }
}

fn address(value: &str, option: &str) -> Result<DeMailAddress<'static>, CliError> {
    DeMailAddress::parse(value)
        .map(DeMailAddress::into_owned)
        .map_err(|e| CliError::invalid(format!("{option} {value}"), e))
}

fn build(args: &BuildArgs) -> Result<ExitCode, CliError> {
    let text = io::read_text(&args.card)?;
    let json: Value = serde_json::from_str(&text).map_err(|e| CliError::invalid(args.card.display(), e))?;
    let card = card_from_json(&json).map_err(|error| match error {
        CardJsonError::Rule(error) => CliError::refused(args.card.display(), error),
        shape => CliError::invalid(args.card.display(), shape),
    })?;
    let provider = address(&args.provider_address, "--provider-address")?;
    let name = args
        .provider_name
        .clone()
        .unwrap_or_else(|| provider.domain.to_string());
    let issuer = Issuer::new(name, provider);
    let signer = io::load_signer(
        ("--provider-key", args.provider_key.as_deref()),
        ("--provider-cert", args.provider_cert.as_deref()),
        &args.pkcs11,
    )?
    .ok_or(CliError::Argument {
        option: "--provider-key",
        value: String::new(),
        problem: "missing: an ident confirmation is signed (or give --pkcs11-module)",
    })?;
    let time = io::time_or_now("--at", args.at.as_deref())?;
    let mut request = IdentRequest::new(
        &card,
        &issuer,
        address(&args.holder, "--holder")?,
        address(&args.audience, "--audience")?,
        time,
    );
    request.authn_instant = args
        .authn_instant
        .as_deref()
        .map(|t| io::parse_time("--authn-instant", t))
        .transpose()?;
    request.authn_context = args.authn_context.clone();
    let message = build_ident_confirmation(&request, &signer.0, &signer.1).map_err(|error| match error {
        IdentBuildError::SystemAddress(_)
        | IdentBuildError::HolderMismatch { .. }
        | IdentBuildError::PseudonymCard(_) => CliError::refused(args.card.display(), error),
        error => CliError::invalid(args.card.display(), error),
    })?;
    io::write_output(args.output.as_deref(), &message)?;
    Ok(ExitCode::SUCCESS)
}

/// The report of `demail ident check` (docs/schemas/ident-check.schema.json):
/// the library's [`IdentReport`] — `integrity`, the `assertion` with its
/// `card` (the card JSON of D77), the assertion's `xml_signature` and the
/// `mismatches` — with `passed`.
#[derive(Serialize)]
struct CheckReport<'r> {
    passed: bool,
    #[serde(flatten)]
    report: &'r IdentReport,
}

fn check(args: &CheckArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let trust = args.trust.load()?;
    let options = trust.options(args.tr_02102);
    let report = check_ident_confirmation(&raw, args.audience.as_deref(), &options)
        .map_err(|e| CliError::invalid(args.file.display(), e))?;
    let output = CheckReport {
        passed: report.passed(),
        report: &report,
    };
    io::print_json(&output)?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Why a card JSON was not accepted: its shape (exit 2) or a card rule (exit 1).
#[derive(Debug, thiserror::Error)]
enum CardJsonError {
    #[error(
        "`type` must be one of LegalPerson, NaturalPerson, Address, Age, AgeOver16, AgeOver18, DeMailAddress"
    )]
    Type,
    #[error("`fields` must be an array")]
    Fields,
    #[error("every field needs a string `name`")]
    Name,
    #[error("field `{name}` needs a `value`")]
    Value { name: String },
    #[error("field `{name}` needs a `validation_time` (or a default one)")]
    NoValidationTime { name: String },
    #[error("field `{name}`: validation_time {value} is not an RFC 3339 date-time with offset: {cause}")]
    ValidationTime {
        name: String,
        value: String,
        #[source]
        cause: demail::fields::DateTimeError,
    },
    #[error(transparent)]
    Rule(demail::ident::CardError),
}

/// The card from its JSON form (D77): `type` (the XSD element name), an
/// optional default `validation_time`, and `fields`, each `name`, `value`
/// (string, or boolean for over16/over18) and optional `validation_time`,
/// in schema order.
fn card_from_json(json: &Value) -> Result<IdentCard, CardJsonError> {
    let card_type = json
        .get("type")
        .and_then(Value::as_str)
        .and_then(CardType::from_element)
        .ok_or(CardJsonError::Type)?;
    let default_time = json.get("validation_time").and_then(Value::as_str);
    let fields = json
        .get("fields")
        .and_then(Value::as_array)
        .ok_or(CardJsonError::Fields)?;
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let name = field
            .get("name")
            .and_then(Value::as_str)
            .ok_or(CardJsonError::Name)?;
        let value = match field.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(CardJsonError::Value {
                    name: name.to_owned(),
                });
            }
        };
        let time = field
            .get("validation_time")
            .and_then(Value::as_str)
            .or(default_time)
            .ok_or_else(|| CardJsonError::NoValidationTime {
                name: name.to_owned(),
            })?;
        let time = io::read_time(time).map_err(|cause| CardJsonError::ValidationTime {
            name: name.to_owned(),
            value: time.to_owned(),
            cause,
        })?;
        out.push(CardField::new(name, value, time));
    }
    IdentCard::new(card_type, out).map_err(CardJsonError::Rule)
}
