//! The one place the commands touch the outside world: reading input (a file
//! or `-` for standard input, size-limited), writing output (a file or
//! standard output; a closed standard output ends the program quietly),
//! loading signers and certificates (PEM or DER), the trust and time
//! arguments, JSON printing, and the error type every command returns.
//!
//! Every JSON object a command prints (each JSON Lines record too) carries
//! `"schema_version": "1"` ([`SCHEMA_VERSION`]) and is the library's own
//! types serialized (feature `serde`); docs/schemas/ has one JSON Schema
//! per command (README "JSON output", docs/decisions.md D181–D186).
//!
//! Exit codes (docs/decisions.md D110–D112): 0 done or passed; 1 refused
//! by a rule or a failed check; 2 unreadable input or usage error; 141 when
//! the reader of standard output closed it early (the status a shell
//! reports for a program ended by SIGPIPE; nothing is printed).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use serde::Serialize;

use demail::certificate::{Certificate, CertificateError};
use demail::crypto::SigningKey;
use demail::fields::{DateTime, DateTimeError};
use demail::provider_directory::{ProviderDirectory, ProviderMap};
use demail::signer::pkcs11::{Pkcs11Config, Pkcs11Error, Pkcs11Signer};
use demail::signer::{CertifiedKey, Signer};
use demail::status::evidence::{EvidenceBundle, MAX_BUNDLE_BYTES};
use demail::status::online::{OnlineOptions, fetch_evidence};
use demail::status::{CertificateStatus, ChainCertificate, Evidence, EvidenceKind, FetchFailure, StatusPlan};
use demail::trust::{DuplicatePolicy, KeyPolicy, StatusPolicy, VerifyOptions};
use demail::trusted_list::TrustedList;

/// Largest message read from a file or standard input: the mbox reader's
/// limit, 64 MiB (D111).
pub(crate) const MAX_MESSAGE: u64 = demail::mbox::DEFAULT_MAX_MESSAGE as u64;
/// Largest key, certificate, card or directory file: 1 MiB (D111).
pub(crate) const MAX_SMALL_FILE: u64 = 1024 * 1024;

/// The version of the JSON every command prints: 1 until a field is
/// removed or renamed, or a value changes meaning (D181).
pub(crate) const SCHEMA_VERSION: &str = "1";

/// A report with `schema_version` first and the report's own keys after.
#[derive(Serialize)]
struct Versioned<'r, T: ?Sized> {
    schema_version: &'static str,
    #[serde(flatten)]
    report: &'r T,
}

impl<'r, T: Serialize + ?Sized> Versioned<'r, T> {
    fn new(report: &'r T) -> Self {
        Versioned {
            schema_version: SCHEMA_VERSION,
            report,
        }
    }
}

/// The exit status when standard output was closed early (128 + SIGPIPE).
const CLOSED_STDOUT: u8 = 141;

/// Why a command stopped without its report: each variant has a stable
/// snake_case [`code`](CliError::code) and an exit code (D112).
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A file or standard input cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An input is larger than its limit (D111).
    #[error("{}: larger than {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    /// A file or standard output cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The reader of standard output closed it (`demail ... | head`).
    #[error("standard output was closed")]
    ClosedStdout,
    /// An option value that is not of the expected form.
    #[error("{option} {value}: {problem}")]
    Argument {
        option: &'static str,
        value: String,
        problem: &'static str,
    },
    /// The command line does not parse (clap's error: unknown option,
    /// missing argument, ...).
    #[error("{}", usage_line(.0))]
    Usage(clap::Error),
    /// An input the library could not read, with its typed error.
    #[error("{input}: {source}")]
    Invalid {
        input: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The PKCS#11 signer could not be opened: module, token, PIN, key or
    /// certificate (exit 2; the code names which, D152).
    #[error("PKCS#11: {0}")]
    Pkcs11(#[from] Pkcs11Error),
    /// The library refused the input by a rule of the TR (exit 1).
    #[error("refused: {input}: {source}")]
    Refused {
        input: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl CliError {
    /// An input (a file, or an option and its value) the library could not read.
    pub(crate) fn invalid(
        input: impl std::fmt::Display,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CliError::Invalid {
            input: input.to_string(),
            source: source.into(),
        }
    }

    /// An input the library refused by a rule (exit 1).
    pub(crate) fn refused(
        input: impl std::fmt::Display,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CliError::Refused {
            input: input.to_string(),
            source: source.into(),
        }
    }

    /// The stable snake_case code of the failure JSON.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            CliError::Read { .. } => "unreadable_input",
            CliError::TooLarge { .. } => "input_too_large",
            CliError::Write { .. } => "cannot_write",
            CliError::ClosedStdout => "closed_stdout",
            CliError::Argument { .. } => "invalid_argument",
            CliError::Usage(_) => "usage",
            CliError::Invalid { .. } => "invalid_input",
            CliError::Pkcs11(error) => pkcs11_code(error),
            CliError::Refused { .. } => "refused",
        }
    }

    /// 1 for a refusal by rule, 141 for a closed standard output, 2 otherwise.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Refused { .. } => 1,
            CliError::ClosedStdout => CLOSED_STDOUT,
            _ => 2,
        }
    }
}

/// The stable code of a PKCS#11 failure (D152): `pkcs11_` and what failed.
fn pkcs11_code(error: &Pkcs11Error) -> &'static str {
    match error {
        Pkcs11Error::Module { .. } => "pkcs11_module",
        Pkcs11Error::TokenNotFound { .. } => "pkcs11_token_not_found",
        Pkcs11Error::AmbiguousToken { .. } => "pkcs11_ambiguous_token",
        Pkcs11Error::PinNotSet { .. } => "pkcs11_pin_not_set",
        Pkcs11Error::WrongPin { .. } => "pkcs11_wrong_pin",
        Pkcs11Error::PinLocked { .. } => "pkcs11_pin_locked",
        Pkcs11Error::AlreadyLoggedIn { .. } => "pkcs11_already_logged_in",
        Pkcs11Error::KeyNotFound { .. } => "pkcs11_key_not_found",
        Pkcs11Error::CertificateNotFound { .. } => "pkcs11_certificate_not_found",
        Pkcs11Error::AmbiguousLabel { .. } => "pkcs11_ambiguous_label",
        Pkcs11Error::Certificate { .. } => "pkcs11_certificate",
        Pkcs11Error::UnsupportedKey { .. } => "pkcs11_unsupported_key",
        Pkcs11Error::KeyCertificateMismatch { .. } => "pkcs11_key_certificate_mismatch",
        Pkcs11Error::Check { .. } => "pkcs11_check",
        Pkcs11Error::Token { .. } => "pkcs11_token",
        _ => "pkcs11",
    }
}

/// Ends a command: its exit code, or the error reported on standard error
/// in one human line (and, with `--json`, as `{"error": {...}}` on standard
/// output, D112); a closed standard output ends quietly with 141.
pub(crate) fn finish(result: Result<ExitCode, CliError>, json_errors: bool) -> ExitCode {
    let error = match result {
        Ok(code) => return code,
        Err(CliError::ClosedStdout) => return ExitCode::from(CLOSED_STDOUT),
        Err(error) => error,
    };
    // Standard error may be closed too: nothing more can be said then.
    let _ = match &error {
        CliError::Usage(clap) => clap.print(),
        error => writeln!(std::io::stderr(), "demail: {error}"),
    };
    if json_errors && let Err(CliError::ClosedStdout) = print_error(error.code(), &error, error.exit_code()) {
        return ExitCode::from(CLOSED_STDOUT);
    }
    ExitCode::from(error.exit_code())
}

/// The error object of `--json` (D112) and of a refusal that is a report
/// (`protect`, `open`): `{"schema_version", "error": {"code", "message",
/// "exit_code"}}`; docs/schemas/error.schema.json.
pub(crate) fn print_error(
    code: &'static str,
    message: &dyn std::fmt::Display,
    exit_code: u8,
) -> Result<(), CliError> {
    #[derive(Serialize)]
    struct ErrorObject {
        code: &'static str,
        message: String,
        exit_code: u8,
    }
    #[derive(Serialize)]
    struct ErrorReport {
        error: ErrorObject,
    }
    print_json(&ErrorReport {
        error: ErrorObject {
            code,
            message: message.to_string(),
            exit_code,
        },
    })
}

/// The first line of clap's message, without its `error: ` prefix.
fn usage_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let line = rendered.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

/// Reads a message file, or standard input for `-`, up to [`MAX_MESSAGE`].
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    read_limited(path, MAX_MESSAGE)
}

/// Reads a file (or `-`) of at most `limit` bytes; larger is refused
/// without reading past the limit.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, CliError> {
    let read_error = |source| CliError::Read {
        path: path.to_owned(),
        source,
    };
    let mut data = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut data)
            .map_err(read_error)?;
    } else {
        let file = std::fs::File::open(path).map_err(read_error)?;
        file.take(limit + 1).read_to_end(&mut data).map_err(read_error)?;
    }
    if data.len() as u64 > limit {
        return Err(CliError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(data)
}

/// Reads a small text file (key, certificate, JSON), up to [`MAX_SMALL_FILE`].
pub(crate) fn read_text(path: &Path) -> Result<String, CliError> {
    let data = read_limited(path, MAX_SMALL_FILE)?;
    String::from_utf8(data).map_err(|e| CliError::invalid(path.display(), e))
}

/// Writes `data` to `path`, or to standard output when `path` is `None`.
pub(crate) fn write_output(path: Option<&Path>, data: &[u8]) -> Result<(), CliError> {
    match path {
        Some(path) => std::fs::write(path, data).map_err(|source| CliError::Write {
            path: path.to_owned(),
            source,
        }),
        None => write_stdout(data),
    }
}

/// Writes to standard output; a closed pipe is [`CliError::ClosedStdout`].
pub(crate) fn write_stdout(data: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(data)
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)
}

/// A report streamed as JSON Lines (one compact JSON object per line, D150)
/// on standard output: memory is bounded by one line, not by the report.
/// Standard output is line-buffered, so each line reaches the reader as
/// soon as its message is read.
pub(crate) struct JsonLines {
    out: std::io::StdoutLock<'static>,
}

impl JsonLines {
    /// JSON Lines on standard output.
    pub(crate) fn stdout() -> Self {
        JsonLines {
            out: std::io::stdout().lock(),
        }
    }

    /// Writes `value` as one line, with `schema_version`.
    pub(crate) fn line<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CliError> {
        serde_json::to_writer(&mut self.out, &Versioned::new(value))
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(stdout_error)
    }

    /// Writes the last line (the summary) and flushes.
    pub(crate) fn finish<T: Serialize + ?Sized>(mut self, summary: &T) -> Result<(), CliError> {
        self.line(summary)?;
        self.out.flush().map_err(stdout_error)
    }
}

/// A failed write to standard output: [`CliError::ClosedStdout`] for a
/// closed pipe.
fn stdout_error(source: std::io::Error) -> CliError {
    match source.kind() {
        std::io::ErrorKind::BrokenPipe => CliError::ClosedStdout,
        _ => CliError::Write {
            path: PathBuf::from("-"),
            source,
        },
    }
}

/// Prints `report` with `schema_version` as pretty JSON and a line end on
/// standard output.
pub(crate) fn print_json<T: Serialize + ?Sized>(report: &T) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(&Versioned::new(report))
        .map_err(|e| CliError::invalid("the report", e))?;
    text.push('\n');
    write_stdout(text.as_bytes())
}

/// A certificate file, PEM (the first `CERTIFICATE` block) or DER.
pub(crate) fn load_certificate(path: &Path) -> Result<Certificate, CliError> {
    let mut all = load_certificates(path)?;
    Ok(all.swap_remove(0))
}

const PEM_BEGIN: &[u8] = b"-----BEGIN ";

/// Every certificate of a file: each `CERTIFICATE` block of a PEM file, or
/// the one certificate of a DER file (D113). At least one.
pub(crate) fn load_certificates(path: &Path) -> Result<Vec<Certificate>, CliError> {
    let data = read_limited(path, MAX_SMALL_FILE)?;
    // PEM may have explanatory text before its blocks (RFC 7468 §2), as the
    // library's PEM reader allows; a DER certificate is binary.
    let parsed = if data.windows(PEM_BEGIN.len()).any(|w| w == PEM_BEGIN) {
        let text = std::str::from_utf8(&data).map_err(|e| CliError::invalid(path.display(), e))?;
        Certificate::all_from_pem(text)
    } else {
        Certificate::from_der(data).map(|cert| vec![cert])
    };
    let certificates = parsed.map_err(|e| CliError::invalid(path.display(), e))?;
    if certificates.is_empty() {
        return Err(CliError::invalid(path.display(), CertificateError::Encoding));
    }
    Ok(certificates)
}

/// The signer options of every command that signs, flattened into each
/// with `#[command(flatten)]` (D152, D179): a PKCS#8 key file (PEM) with its
/// certificate file, or a key in a PKCS#11 token found by label, whose
/// certificate is the token's certificate with the key's label or `--cert`
/// when given. The PIN comes from the environment variable
/// `DEMAIL_PKCS11_PIN`, never from the command line (D144). The names the
/// commands used before (`--provider-key`, `--sign-key`, ...) stay as aliases.
#[derive(clap::Args)]
pub(crate) struct SignerArgs {
    /// The signer's PKCS#8 private key (PEM); needs --cert.
    #[arg(long, value_name = "PATH", requires = "cert", aliases = ["provider-key", "sign-key"])]
    key: Option<PathBuf>,
    /// The signer's certificate (PEM or DER), written into what is signed;
    /// with --pkcs11-module it replaces the token's certificate.
    #[arg(long, value_name = "PATH", aliases = ["provider-cert", "sign-cert"])]
    cert: Option<PathBuf>,
    /// Sign with a key in a PKCS#11 token: the module (shared library),
    /// e.g. /usr/lib/softhsm/libsofthsm2.so. Needs --pkcs11-token and
    /// --pkcs11-key; the PIN is read from DEMAIL_PKCS11_PIN. Excludes --key.
    #[arg(long, value_name = "PATH", requires_all = ["pkcs11_token", "pkcs11_key"])]
    pkcs11_module: Option<PathBuf>,
    /// The token's label.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pkcs11_token: Option<String>,
    /// The private key's label (also the label of its certificate on the token).
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pkcs11_key: Option<String>,
}

impl SignerArgs {
    /// The one way the commands get their signer (D152, D179): a
    /// [`CertifiedKey`] from the key and certificate files, or a
    /// [`Pkcs11Signer`]; `None` when no signer is named. Both check at
    /// construction that key and certificate belong together (D142).
    pub(crate) fn load(&self) -> Result<Option<Box<dyn Signer>>, CliError> {
        let certificate = self.cert.as_deref().map(load_certificate).transpose()?;
        match (&self.key, &self.pkcs11_module, certificate) {
            (Some(_), Some(module), _) => Err(CliError::Argument {
                option: "--key",
                value: module.display().to_string(),
                problem: "a key file and --pkcs11-module exclude each other",
            }),
            (Some(key), None, Some(certificate)) => {
                let signing_key = SigningKey::from_pkcs8_pem(&read_text(key)?)
                    .map_err(|e| CliError::invalid(key.display(), e))?;
                let signer = CertifiedKey::new(signing_key, certificate)
                    .map_err(|e| CliError::invalid(key.display(), e))?;
                Ok(Some(Box::new(signer)))
            }
            (Some(key), None, None) => Err(CliError::Argument {
                option: "--cert",
                value: key.display().to_string(),
                problem: "missing: a key file needs its certificate",
            }),
            (None, Some(module), certificate) => Ok(Some(Box::new(self.pkcs11_signer(module, certificate)?))),
            (None, None, Some(_)) => Err(CliError::Argument {
                option: "--cert",
                value: self
                    .cert
                    .as_deref()
                    .unwrap_or(Path::new(""))
                    .display()
                    .to_string(),
                problem: "a certificate needs a key file or --pkcs11-module",
            }),
            (None, None, None) => Ok(None),
        }
    }

    /// [`SignerArgs::load`] for a command that cannot work without a signer.
    pub(crate) fn load_required(&self) -> Result<Box<dyn Signer>, CliError> {
        self.load()?.ok_or(CliError::Argument {
            option: "--key",
            value: String::new(),
            problem: "missing: a signer is needed: --key and --cert, or --pkcs11-module",
        })
    }

    /// The token key opened with the PIN from `DEMAIL_PKCS11_PIN`.
    fn pkcs11_signer(
        &self,
        module: &Path,
        certificate: Option<Certificate>,
    ) -> Result<Pkcs11Signer, CliError> {
        let mut config = Pkcs11Config::new(
            module,
            self.pkcs11_token.clone().unwrap_or_default(),
            self.pkcs11_key.clone().unwrap_or_default(),
        );
        if let Some(certificate) = certificate {
            config = config.certificate(certificate);
        }
        Ok(Pkcs11Signer::open_with_env_pin(&config)?)
    }
}

/// An RFC 3339 §5.6 date-time with offset (`2026-11-24T10:00:00+01:00`;
/// `t` and `z` may be lower case, §5.6 NOTE) that `xs:dateTime` can also
/// carry, since the CLI writes its times into XML: impossible dates such as
/// 2026-02-30, year 0000, a leap second and offsets beyond ±14:00 are
/// refused (D114, D170).
pub(crate) fn read_time(text: &str) -> Result<DateTime, DateTimeError> {
    let time = DateTime::parse_rfc3339(text)?;
    time.check_xs_date_time()?;
    Ok(time)
}

/// [`read_time`] of an option's value.
pub(crate) fn parse_time(option: &'static str, text: &str) -> Result<DateTime, CliError> {
    read_time(text).map_err(|_| CliError::Argument {
        option,
        value: text.to_owned(),
        problem: "not an RFC 3339 date-time with offset, e.g. 2026-11-24T10:00:00Z",
    })
}

/// [`parse_time`] of an optional argument; without one, now in UTC.
pub(crate) fn time_or_now(option: &'static str, text: Option<&str>) -> Result<DateTime, CliError> {
    match text {
        Some(text) => parse_time(option, text),
        None => now(),
    }
}

/// Now, in UTC, to the second.
pub(crate) fn now() -> Result<DateTime, CliError> {
    DateTime::now_utc().map_err(|e| CliError::invalid("the system clock", e))
}

/// The trust inputs of the commands that verify signatures.
#[derive(clap::Args)]
pub(crate) struct TrustArgs {
    /// A trusted root certificate, PEM (may hold several) or DER; repeatable.
    #[arg(long = "trust-anchor")]
    trust_anchors: Vec<PathBuf>,
    /// An intermediate certificate, PEM (may hold several) or DER, for path
    /// building; repeatable.
    #[arg(long = "intermediate")]
    intermediates: Vec<PathBuf>,
    /// Verification time as RFC 3339 with offset, e.g. 2026-11-24T00:00:00Z
    /// (default: now).
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
    /// A CRL of the signer's issuer, DER or PEM; repeatable (RFC 5280 §5).
    /// A revoked signer fails FC-02; a CRL that cannot be used fails FC-03.
    #[arg(long = "crl", value_name = "FILE")]
    crls: Vec<PathBuf>,
    /// An OCSP response for the signer's certificate, DER; repeatable
    /// (RFC 6960 §4.2.1).
    #[arg(long = "ocsp-response", value_name = "FILE")]
    ocsp_responses: Vec<PathBuf>,
    /// Fail FC-03 when the status of the signer or of a CA of its path is
    /// not confirmed by a --crl or --ocsp-response. Default: without
    /// evidence a signature passes with `status` `not_checked`
    /// (docs/decisions.md D155, D202).
    #[arg(long)]
    require_status: bool,
    /// Require the signer's certificate to be an EU qualified certificate
    /// for seals or signatures (QCStatements: QcCompliance and QcType eseal
    /// or esign, ETSI EN 319 412-5); otherwise fail FC-02 with code
    /// `not_qualified` (D201).
    #[arg(long)]
    require_qualified: bool,
    /// Verify offline from an evidence bundle written by --evidence-out
    /// (D199): its CRLs and OCSP responses are the only status evidence, its
    /// certificates only intermediates — never trust anchors, give
    /// --trust-anchor — its time the verification time unless --at is
    /// given, and the status of the signer and of its CAs is required (D200);
    /// not with --crl, --ocsp-response or --online.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["crls", "ocsp_responses", "online"])]
    evidence: Option<PathBuf>,
    /// An EU trusted list (ETSI TS 119 612 XML); repeatable. Its signature
    /// must verify with a --trusted-list-signer certificate, or the command
    /// exits 2; the certificates of its granted CA/QC services become trust
    /// anchors besides --trust-anchor (D203).
    #[arg(long = "trusted-list", value_name = "FILE", requires = "trusted_list_signers")]
    trusted_lists: Vec<PathBuf>,
    /// A certificate that may sign the trusted lists, PEM or DER;
    /// repeatable.
    #[arg(long = "trusted-list-signer", value_name = "CERT", requires = "trusted_lists")]
    trusted_list_signers: Vec<PathBuf>,
    /// Also fetch the status of the signers and of the CAs of their paths
    /// online (D198, D217): OCSP from each certificate's AIA, CRLs from its
    /// distribution points, http:// only,
    /// 5 s connect and read timeouts, 1 MiB (OCSP) and 10 MiB (CRL) limits
    /// (D195); added to --crl/--ocsp-response. A failed fetch makes the
    /// status `unavailable` with the reasons under `online`; it fails FC-03
    /// with --require-status (D196).
    #[arg(long)]
    online: bool,
}

/// [`TrustArgs`] read: the certificates, the verification time and policy.
pub(crate) struct Trust {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    time: SystemTime,
    duplicate_fields: DuplicatePolicy,
    require_signature: bool,
    directory: Option<ProviderMap>,
    evidence: Evidence,
    status_policy: StatusPolicy,
    require_qualified: bool,
    online: bool,
}

impl TrustArgs {
    /// Reads the certificate files, the directory, the evidence and the time.
    pub(crate) fn load(&self) -> Result<Trust, CliError> {
        let bundle = self.evidence.as_deref().map(load_evidence).transpose()?;
        let mut intermediates = load_all(&self.intermediates)?;
        let mut time = match &self.at {
            Some(text) => Some(parse_time("--at", text)?.to_system_time()),
            None => None,
        };
        let mut evidence = Evidence::default();
        evidence.crls.extend(read_all(&self.crls)?);
        evidence.ocsp_responses.extend(read_all(&self.ocsp_responses)?);
        if let Some(bundle) = bundle {
            intermediates.extend(bundle.certificates);
            time = time.or(Some(bundle.time.to_system_time()));
            evidence = bundle.evidence;
        }
        let time = time.unwrap_or_else(SystemTime::now);
        let mut anchors = load_all(&self.trust_anchors)?;
        let signers = load_all(&self.trusted_list_signers)?;
        for path in &self.trusted_lists {
            let xml = read_limited(path, demail::xmldsig::MAX_DOCUMENT_BYTES as u64)?;
            let list = TrustedList::verify(&xml, &signers, time)
                .map_err(|e| CliError::invalid(path.display(), e))?;
            anchors.extend(list.trust_anchors());
        }
        Ok(Trust {
            anchors,
            intermediates,
            time,
            duplicate_fields: if self.allow_duplicate_fields {
                DuplicatePolicy::FirstWins
            } else {
                DuplicatePolicy::Refuse
            },
            require_signature: self.require_signature,
            directory: self
                .provider_directory
                .as_deref()
                .map(crate::provider_directory::load)
                .transpose()?,
            evidence,
            // Evidence read back must confirm the status (D200).
            status_policy: if self.require_status || self.evidence.is_some() {
                StatusPolicy::Require
            } else {
                StatusPolicy::IfGiven
            },
            require_qualified: self.require_qualified,
            online: self.online,
        })
    }
}

/// An evidence bundle file (`--evidence`, D199).
fn load_evidence(path: &Path) -> Result<EvidenceBundle, CliError> {
    let bytes = read_limited(path, MAX_BUNDLE_BYTES as u64 + 1)?;
    EvidenceBundle::parse(&bytes).map_err(|e| CliError::invalid(path.display(), e))
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, CliError> {
    paths.iter().map(|path| read_limited(path, MAX_MESSAGE)).collect()
}

fn load_all(paths: &[PathBuf]) -> Result<Vec<Certificate>, CliError> {
    let mut all = Vec::new();
    for path in paths {
        all.extend(load_certificates(path)?);
    }
    Ok(all)
}

/// The `online` object of a report (D198): what was asked, what failed and
/// why, and the certificates whose locations did not decode.
#[derive(Serialize)]
pub(crate) struct OnlineReport {
    requested: Vec<OnlineRequest>,
    failed: Vec<FetchFailure>,
    unplanned: Vec<Unplanned>,
}

/// One status request: `kind` `ocsp` or `crl`, and where.
#[derive(Serialize)]
struct OnlineRequest {
    kind: EvidenceKind,
    url: String,
}

/// A certificate whose requests could not be planned.
#[derive(Serialize)]
struct Unplanned {
    subject: String,
    message: String,
}

impl Trust {
    /// With `--online` (D198, D217): fetches the status evidence of
    /// `certificates` (the signers a first verification found) and of the
    /// CAs of their verified paths ([`VerifyOptions::status_plan`]) and
    /// adds it to the evidence; the report's `online` object. `None`
    /// without `--online`: nothing to verify again.
    pub(crate) fn fetch_online<'c>(
        &mut self,
        certificates: impl IntoIterator<Item = &'c Certificate>,
    ) -> Option<OnlineReport> {
        if !self.online {
            return None;
        }
        let mut plan = StatusPlan::default();
        for certificate in certificates {
            // No anchors or no path: evidence is not judged (D156).
            if let Some(planned) = self.options(false).status_plan(certificate) {
                plan.extend(planned);
            }
        }
        let StatusPlan { requests, unplanned } = plan;
        let unplanned = unplanned
            .into_iter()
            .map(|u| Unplanned {
                subject: u.subject,
                message: u.error.to_string(),
            })
            .collect();
        let fetched = fetch_evidence(&requests, &OnlineOptions::default());
        let failed = fetched.failed_fetches.clone();
        self.evidence.extend(fetched);
        Some(OnlineReport {
            requested: requests
                .iter()
                .map(|r| OnlineRequest {
                    kind: r.kind(),
                    url: r.url().to_owned(),
                })
                .collect(),
            failed,
            unplanned,
        })
    }

    /// The verification options, with `--tr-02102`'s key policy when asked.
    pub(crate) fn options(&self, tr_02102: bool) -> VerifyOptions<'_> {
        VerifyOptions {
            time: self.time,
            trust_anchors: &self.anchors,
            intermediates: &self.intermediates,
            key_policy: if tr_02102 {
                KeyPolicy::tr_02102()
            } else {
                KeyPolicy::default()
            },
            status_evidence: &self.evidence,
            status_options: demail::status::StatusOptions::default(),
            status_policy: self.status_policy,
            time_basis: demail::status::TimeBasis::Now,
            duplicate_fields: self.duplicate_fields,
            require_signature: self.require_signature,
            provider_directory: self.directory.as_ref().map(|d| d as &dyn ProviderDirectory),
            require_qualified: self.require_qualified,
            certificate_cache: None,
        }
    }

    /// Writes the evidence of a verification to `path` (`--evidence-out`,
    /// D199): the CA certificates of each signer's path and the CRLs and
    /// OCSP responses its status rests on.
    pub(crate) fn write_evidence<'r>(
        &self,
        path: &Path,
        signers: impl IntoIterator<Item = (&'r CertificateStatus, &'r [ChainCertificate])>,
    ) -> Result<(), CliError> {
        let time = DateTime::from_system_time(self.time, 0).map_err(|e| CliError::invalid("--at", e))?;
        let bundle = EvidenceBundle::collect(time, signers, &self.evidence);
        write_output(Some(path), bundle.to_text().as_bytes())
    }
}
