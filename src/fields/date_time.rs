//! The one date and time type of the crate, [`DateTime`], and its
//! conversions: RFC 5322 §3.3 (`Date`, `Resent-Date`), RFC 3339 and
//! XML Schema `xs:dateTime` (the XML of TR 01201-3.4 §3.5.3), Unix seconds,
//! [`SystemTime`] and the German text form of the confirmations (§3.5.1).
//!
//! Every way in validates: an impossible date (30 February, hour 24, an
//! offset of a day) is refused with a [`DateTimeError`] that names the rule;
//! every date the formats can carry in four-digit years is accepted (D123).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A date and time with its UTC offset (RFC 5322 §3.3 `date-time`, RFC 3339
/// `date-time`, `xs:dateTime` with time zone).
///
/// Build values with [`DateTime::new`] or a parser, which validate, and
/// read them with the accessors: the fields are private, so every value
/// names a real instant (D170).
///
/// ```
/// use demail::fields::DateTime;
///
/// let date = DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").unwrap();
/// assert_eq!(date.to_rfc3339(), "2026-11-24T10:00:00+01:00");
/// assert_eq!(date.unix_seconds(), 1_795_510_800);
/// assert_eq!(date.to_german(), "24.11.2026 10:00");
/// assert_eq!((date.year(), date.month(), date.day(), date.offset_minutes()), (2026, 11, 24, 60));
/// assert_eq!(DateTime::new(2026, 11, 24, 10, 0, 0, 60), Ok(date));
/// assert!(DateTime::parse_rfc3339("2026-02-30T00:00:00Z").is_err());
/// assert!(DateTime::parse_rfc3339("9999-12-31T23:59:59Z").is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    offset_minutes: i16,
}

/// The format a date was read in or written to, named in [`DateTimeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DateFormat {
    /// RFC 5322 §3.3 `date-time`.
    Rfc5322,
    /// RFC 3339 §5.6 `date-time`.
    Rfc3339,
    /// XML Schema 1.0 Part 2 §3.2.7 `xs:dateTime`.
    XsDateTime,
}

impl DateFormat {
    /// The rule that defines the format.
    pub const fn rule(self) -> &'static str {
        match self {
            DateFormat::Rfc5322 => "RFC 5322 §3.3",
            DateFormat::Rfc3339 => "RFC 3339 §5.6",
            DateFormat::XsDateTime => "XML Schema 1.0 Part 2 §3.2.7 (xs:dateTime)",
        }
    }
}

crate::display::display_as!(DateFormat, rule);

/// Why a date and time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateTimeError {
    /// The text is not in the format's syntax.
    #[error("not a date-time of {format}")]
    Syntax {
        /// The format expected.
        format: DateFormat,
    },
    /// The format needs a time zone offset and the text has none.
    #[error("no time zone offset ({format})")]
    NoTimeZone {
        /// The format expected.
        format: DateFormat,
    },
    /// The year is outside what the format carries (D123).
    #[error("year {year} is outside {min}..={max} ({rule})")]
    Year {
        /// The year read.
        year: i64,
        /// The first year allowed.
        min: u16,
        /// The last year allowed.
        max: u16,
        /// The rule that sets the range.
        rule: &'static str,
    },
    /// The month is not 1 to 12.
    #[error("month {month} does not exist")]
    Month {
        /// The month read.
        month: u8,
    },
    /// The day does not exist in that month (e.g. 30 February).
    #[error("day {day} does not exist in {year:04}-{month:02}")]
    Day {
        /// The year.
        year: u16,
        /// The month.
        month: u8,
        /// The day read.
        day: u8,
    },
    /// The time of day does not exist (hour 24, minute 60, second 61, or a
    /// leap second where the format has none).
    #[error("time {hour:02}:{minute:02}:{second:02} does not exist ({rule})")]
    Time {
        /// The hour read.
        hour: u8,
        /// The minute read.
        minute: u8,
        /// The second read.
        second: u8,
        /// The rule that refuses it.
        rule: &'static str,
    },
    /// The day of the week does not match the date (RFC 5322 §3.3: "MUST
    /// be the day implied by the date").
    #[error("{written} is not the weekday of the date, {actual} is (RFC 5322 §3.3)")]
    Weekday {
        /// The day written.
        written: String,
        /// The day of the date.
        actual: &'static str,
    },
    /// The UTC offset is a day or more, or beyond the format's range.
    #[error("UTC offset of {minutes} minutes is out of range ({rule})")]
    Offset {
        /// The offset read, in minutes.
        minutes: i64,
        /// The rule that limits it.
        rule: &'static str,
    },
    /// An instant (Unix seconds, a `SystemTime`) falls outside the years
    /// 0000 to 9999 in the offset asked for.
    #[error("{unix_seconds} s after 1970 is outside the years 0000..=9999 at offset {offset_minutes} min")]
    OutOfRange {
        /// The instant, in seconds since 1970-01-01T00:00:00Z.
        unix_seconds: i64,
        /// The offset it was to be written in.
        offset_minutes: i16,
    },
}

const RULE_TYPE: &str = "D123 (years 0000..=9999, offset under 24 h)";
const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl DateTime {
    /// The last year the type holds: four digits, as RFC 3339 writes them (D123).
    pub const MAX_YEAR: u16 = 9999;

    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: DateTime = DateTime {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        offset_minutes: 0,
    };

    /// A validated date and time: year 0000 to 9999, the day exists in its
    /// month (leap years of the Gregorian calendar), hour 0–23, minute 0–59,
    /// second 0–60, offset under 24 hours (D123).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        offset_minutes: i16,
    ) -> Result<DateTime, DateTimeError> {
        let date = DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            offset_minutes,
        };
        date.validate()?;
        Ok(date)
    }

    /// Year, 0 to 9999 (D123).
    pub const fn year(&self) -> u16 {
        self.year
    }

    /// Month, 1 to 12.
    pub const fn month(&self) -> u8 {
        self.month
    }

    /// Day of month, 1 to the length of the month.
    pub const fn day(&self) -> u8 {
        self.day
    }

    /// Hour, 0 to 23.
    pub const fn hour(&self) -> u8 {
        self.hour
    }

    /// Minute, 0 to 59.
    pub const fn minute(&self) -> u8 {
        self.minute
    }

    /// Second, 0 to 60 (60: a leap second, RFC 5322 §3.3, RFC 3339 §5.7).
    pub const fn second(&self) -> u8 {
        self.second
    }

    /// Offset from UTC in minutes, e.g. 60 for +0100; less than a day.
    pub const fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// The checks of [`DateTime::new`].
    fn validate(&self) -> Result<(), DateTimeError> {
        if self.year > Self::MAX_YEAR {
            return Err(DateTimeError::Year {
                year: i64::from(self.year),
                min: 0,
                max: Self::MAX_YEAR,
                rule: RULE_TYPE,
            });
        }
        let month =
            time::Month::try_from(self.month).map_err(|_| DateTimeError::Month { month: self.month })?;
        if self.day == 0 || self.day > month.length(i32::from(self.year)) {
            return Err(DateTimeError::Day {
                year: self.year,
                month: self.month,
                day: self.day,
            });
        }
        if self.hour > 23 || self.minute > 59 || self.second > 60 {
            return Err(DateTimeError::Time {
                hour: self.hour,
                minute: self.minute,
                second: self.second,
                rule: RULE_TYPE,
            });
        }
        if self.offset_minutes.unsigned_abs() >= 24 * 60 {
            return Err(DateTimeError::Offset {
                minutes: i64::from(self.offset_minutes),
                rule: RULE_TYPE,
            });
        }
        Ok(())
    }

    /// Parses an RFC 5322 §3.3 date-time such as `Tue, 24 Nov 2026 10:00:00
    /// +0100`; `None` for anything else, an impossible date, a weekday that
    /// is not the date's, or a year before 1900 (§3.3: "1900 or later").
    /// [`DateTime::read_rfc5322`] says why.
    ///
    /// ```
    /// let date = demail::fields::DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").unwrap();
    /// assert_eq!((date.year(), date.month(), date.day(), date.offset_minutes()), (2026, 11, 24, 60));
    /// assert_eq!(date.to_rfc5322(), "Tue, 24 Nov 2026 10:00:00 +0100");
    /// ```
    pub fn parse_rfc5322(value: &str) -> Option<DateTime> {
        Self::read_rfc5322(value).ok()
    }

    /// [`DateTime::parse_rfc5322`] with the reason for a refusal.
    pub fn read_rfc5322(value: &str) -> Result<DateTime, DateTimeError> {
        let mut line = Vec::with_capacity(value.len() + 2);
        line.extend_from_slice(value.as_bytes());
        line.extend_from_slice(b"\r\n");
        Self::read_line(&line)
    }

    /// Parses a field value that still ends in its line end (no copy).
    pub(crate) fn parse_line(line: &[u8]) -> Option<DateTime> {
        Self::read_line(line).ok()
    }

    fn read_line(line: &[u8]) -> Result<DateTime, DateTimeError> {
        const FORMAT: DateFormat = DateFormat::Rfc5322;
        let parsed = mail_parser::parsers::MessageStream::new(line).parse_date();
        let mail_parser::HeaderValue::DateTime(date) = parsed else {
            return Err(DateTimeError::Syntax { format: FORMAT });
        };
        if !(1900..=Self::MAX_YEAR).contains(&date.year) {
            return Err(DateTimeError::Year {
                year: i64::from(date.year),
                min: 1900,
                max: Self::MAX_YEAR,
                rule: FORMAT.rule(),
            });
        }
        let offset = i16::from(date.tz_hour) * 60 + i16::from(date.tz_minute);
        if date.tz_minute > 59 {
            return Err(DateTimeError::Offset {
                minutes: i64::from(offset),
                rule: FORMAT.rule(),
            });
        }
        let date = DateTime::new(
            date.year,
            date.month,
            date.day,
            date.hour,
            date.minute,
            date.second,
            if date.tz_before_gmt { -offset } else { offset },
        )?;
        date.check_written_weekday(line)?;
        Ok(date)
    }

    /// RFC 5322 §3.3: a day-of-week, when written, is the date's.
    fn check_written_weekday(&self, line: &[u8]) -> Result<(), DateTimeError> {
        let text = line.trim_ascii_start();
        let Some(comma) = text.iter().position(|b| *b == b',') else {
            return Ok(());
        };
        let written = text[..comma].trim_ascii();
        if !written.iter().all(u8::is_ascii_alphabetic) {
            return Ok(()); // a comma in a trailing comment, not a day-of-week
        }
        let actual = self.weekday();
        if written.eq_ignore_ascii_case(actual.as_bytes()) {
            return Ok(());
        }
        Err(DateTimeError::Weekday {
            written: String::from_utf8_lossy(written).into_owned(),
            actual,
        })
    }

    /// Writes the RFC 5322 §3.3 form, e.g. `Tue, 24 Nov 2026 10:00:00 +0100`.
    pub fn to_rfc5322(&self) -> String {
        let month = self.month_name();
        let (sign, offset) = self.offset_parts();
        format!(
            "{}, {:02} {month} {:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
            self.weekday(),
            self.day,
            self.year,
            self.hour,
            self.minute,
            self.second,
            offset / 60,
            offset % 60
        )
    }

    /// Parses an RFC 3339 §5.6 `date-time` such as `2026-11-24T10:00:00+01:00`
    /// (a `T` or `t` between date and time, `Z`/`z` or `±hh:mm`, fractional
    /// seconds read and dropped, D30). Years 0000 to 9999; second 60 is
    /// read as a leap second (§5.7).
    pub fn parse_rfc3339(text: &str) -> Result<DateTime, DateTimeError> {
        match read_lexical(text.as_bytes(), DateFormat::Rfc3339)? {
            (date, true) => Ok(date),
            (_, false) => Err(DateTimeError::NoTimeZone {
                format: DateFormat::Rfc3339,
            }),
        }
    }

    /// Parses an `xs:dateTime` (XML Schema 1.0 Part 2 §3.2.7), surrounding
    /// XML white space ignored. The second value is `false` when the text
    /// has no time zone: it is then read as UTC and the caller reports it
    /// (TR 01201-3.4 §3.5.3, D85). Years 0001 to 9999 (no year 0000 in XML
    /// Schema 1.0, no more than four digits: D123), offsets up to ±14:00,
    /// no leap second.
    pub fn parse_xs_date_time(text: &str) -> Result<(DateTime, bool), DateTimeError> {
        let trimmed = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        let (date, zoned) = read_lexical(trimmed.as_bytes(), DateFormat::XsDateTime)?;
        date.check_xs_date_time()?;
        Ok((date, zoned))
    }

    /// Checks that `xs:dateTime` (XML Schema 1.0 Part 2 §3.2.7) can carry
    /// the value as [`DateTime::to_rfc3339`] writes it: no year 0000, no
    /// leap second, an offset of at most ±14:00. A value read from RFC 3339
    /// text that is to be written into XML is checked with this (D170).
    ///
    /// ```
    /// use demail::fields::DateTime;
    ///
    /// let leap = DateTime::parse_rfc3339("2016-12-31t23:59:60z").unwrap();
    /// assert!(leap.check_xs_date_time().is_err());
    /// assert!(DateTime::parse_rfc3339("2016-12-31t23:59:59z").unwrap().check_xs_date_time().is_ok());
    /// ```
    pub fn check_xs_date_time(&self) -> Result<(), DateTimeError> {
        const FORMAT: DateFormat = DateFormat::XsDateTime;
        if self.year == 0 {
            return Err(DateTimeError::Year {
                year: 0,
                min: 1,
                max: Self::MAX_YEAR,
                rule: FORMAT.rule(),
            });
        }
        if self.second == 60 {
            return Err(DateTimeError::Time {
                hour: self.hour,
                minute: self.minute,
                second: self.second,
                rule: FORMAT.rule(),
            });
        }
        if self.offset_minutes.unsigned_abs() > 14 * 60 {
            return Err(DateTimeError::Offset {
                minutes: i64::from(self.offset_minutes),
                rule: FORMAT.rule(),
            });
        }
        Ok(())
    }

    /// Writes the RFC 3339 form, which is also the `xs:dateTime` form:
    /// `2026-11-24T10:00:00+01:00`, `Z` for UTC.
    pub fn to_rfc3339(&self) -> String {
        self.to_string()
    }

    /// The German text form `TT.MM.JJJJ HH:MM` in the value's own offset
    /// (TR 01201-3.4 §3.5.1, text of the confirmations).
    pub fn to_german(&self) -> String {
        format!(
            "{:02}.{:02}.{:04} {:02}:{:02}",
            self.day, self.month, self.year, self.hour, self.minute
        )
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative before); a leap second
    /// counts as the first second of the next minute.
    pub fn unix_seconds(&self) -> i64 {
        let year = i32::from(self.year.min(Self::MAX_YEAR));
        let month = time::Month::try_from(self.month.clamp(1, 12)).unwrap_or(time::Month::January);
        let day = self.day.clamp(1, month.length(year));
        let days = time::Date::from_calendar_date(year, month, day)
            .map_or(0, |d| i64::from(d.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY);
        let seconds = i64::from(self.hour.min(23)) * 3600
            + i64::from(self.minute.min(59)) * 60
            + i64::from(self.second.min(60));
        days * 86_400 + seconds - i64::from(self.offset_minutes) * 60
    }

    /// The same instant written at another UTC offset (in minutes).
    pub fn at_offset(&self, offset_minutes: i16) -> Result<DateTime, DateTimeError> {
        Self::from_unix_seconds(self.unix_seconds(), offset_minutes)
    }

    /// The instant `unix_seconds` written at `offset_minutes` from UTC;
    /// refused outside the years 0000 to 9999 at that offset.
    pub fn from_unix_seconds(unix_seconds: i64, offset_minutes: i16) -> Result<DateTime, DateTimeError> {
        let out_of_range = DateTimeError::OutOfRange {
            unix_seconds,
            offset_minutes,
        };
        if offset_minutes.unsigned_abs() >= 24 * 60 {
            return Err(DateTimeError::Offset {
                minutes: i64::from(offset_minutes),
                rule: RULE_TYPE,
            });
        }
        let local = unix_seconds
            .checked_add(i64::from(offset_minutes) * 60)
            .ok_or(out_of_range.clone())?;
        let days = local.div_euclid(86_400);
        let second_of_day = local.rem_euclid(86_400);
        let julian = i32::try_from(days + UNIX_EPOCH_JULIAN_DAY).map_err(|_| out_of_range.clone())?;
        let date = time::Date::from_julian_day(julian).map_err(|_| out_of_range.clone())?;
        let year = u16::try_from(date.year())
            .ok()
            .filter(|y| *y <= Self::MAX_YEAR)
            .ok_or(out_of_range)?;
        Ok(DateTime {
            year,
            month: u8::from(date.month()),
            day: date.day(),
            hour: (second_of_day / 3600) as u8,
            minute: (second_of_day / 60 % 60) as u8,
            second: (second_of_day % 60) as u8,
            offset_minutes,
        })
    }

    /// The instant `time` written at `offset_minutes` from UTC (to the second).
    pub fn from_system_time(time: SystemTime, offset_minutes: i16) -> Result<DateTime, DateTimeError> {
        Self::from_unix_seconds(unix_seconds(time), offset_minutes)
    }

    /// The instant as a [`SystemTime`].
    pub fn to_system_time(&self) -> SystemTime {
        let seconds = self.unix_seconds();
        let magnitude = Duration::from_secs(seconds.unsigned_abs());
        if seconds >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }

    /// The current time in UTC, to the second.
    pub fn now_utc() -> Result<DateTime, DateTimeError> {
        Self::from_system_time(SystemTime::now(), 0)
    }

    /// The English three-letter day of the week (RFC 5322 §3.3 `day-name`).
    pub fn weekday(&self) -> &'static str {
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let days = (self.unix_seconds() + i64::from(self.offset_minutes) * 60).div_euclid(86_400);
        DAY_NAMES[(days + 3).rem_euclid(7) as usize]
    }

    /// The English three-letter month (RFC 5322 §3.3 `month`).
    pub fn month_name(&self) -> &'static str {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        MONTHS[usize::from(self.month.clamp(1, 12) - 1)]
    }

    fn offset_parts(&self) -> (char, u16) {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        (sign, self.offset_minutes.unsigned_abs())
    }
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// Seconds since 1970-01-01T00:00:00Z of a [`SystemTime`] (negative before,
/// saturating at the ends of `i64`).
pub fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

impl fmt::Display for DateTime {
    /// The RFC 3339 / `xs:dateTime` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.offset_minutes == 0 {
            return f.write_str("Z");
        }
        let (sign, offset) = self.offset_parts();
        write!(f, "{sign}{:02}:{:02}", offset / 60, offset % 60)
    }
}

impl TryFrom<SystemTime> for DateTime {
    type Error = DateTimeError;

    /// The instant in UTC.
    fn try_from(time: SystemTime) -> Result<DateTime, DateTimeError> {
        DateTime::from_system_time(time, 0)
    }
}

impl From<DateTime> for SystemTime {
    fn from(date: DateTime) -> SystemTime {
        date.to_system_time()
    }
}

/// Reads the shared lexical form `YYYY-MM-DDThh:mm:ss[.fraction][offset]`
/// of RFC 3339 and `xs:dateTime` (RFC 3339 also allows lower-case `t` and
/// `z`, §5.6 note) and validates it; `false` when there is no offset (read
/// as UTC).
fn read_lexical(s: &[u8], format: DateFormat) -> Result<(DateTime, bool), DateTimeError> {
    let syntax = DateTimeError::Syntax { format };
    let rfc3339 = format == DateFormat::Rfc3339;
    let separator_ok = |b: u8| b == b'T' || (rfc3339 && b == b't');
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || !separator_ok(s[10]) || s[13] != b':' || s[16] != b':'
    {
        // More than four year digits: a year the type cannot hold.
        if !rfc3339
            && let Some(dash) = s.iter().position(|b| *b == b'-')
            && dash > 4
            && s[..dash].iter().all(u8::is_ascii_digit)
        {
            return Err(DateTimeError::Year {
                year: digits(&s[..dash.min(18)]).map_or(i64::MAX, i64::from),
                min: 1,
                max: DateTime::MAX_YEAR,
                rule: "D123",
            });
        }
        return Err(syntax);
    }
    let two = |at: usize| digits(&s[at..at + 2]).map(|v| v as u8).ok_or(syntax.clone());
    let year = digits(&s[0..4]).ok_or(syntax.clone())? as u16;
    let (month, day, hour, minute, second) = (two(5)?, two(8)?, two(11)?, two(14)?, two(17)?);
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return Err(syntax);
        }
        rest = &fraction[len..];
    }
    let offset = match rest {
        b"" => None,
        b"Z" => Some(0),
        b"z" if rfc3339 => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2]).ok_or(syntax.clone())? as i16;
            let minutes = digits(&[*m1, *m2]).ok_or(syntax.clone())? as i16;
            if minutes > 59 || hours > 23 {
                return Err(DateTimeError::Offset {
                    minutes: i64::from(hours * 60 + minutes),
                    rule: format.rule(),
                });
            }
            let total = hours * 60 + minutes;
            Some(if *sign == b'-' { -total } else { total })
        }
        _ => return Err(syntax),
    };
    let date = DateTime::new(year, month, day, hour, minute, second, offset.unwrap_or(0))?;
    Ok((date, offset.is_some()))
}

/// The value of a run of ASCII digits; `None` if any byte is not one.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit()
            .then(|| acc.saturating_mul(10).saturating_add(u32::from(b - b'0')))
    })
}

/// RFC 3339 in UTC (`2026-11-24T09:00:00Z`): the one time format of the
/// JSON reports (docs/decisions.md D182). Reading accepts any offset.
#[cfg(feature = "serde")]
impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let utc = self.at_offset(0).map_err(serde::ser::Error::custom)?;
        serializer.collect_str(&utc)
    }
}

/// Seconds since the epoch, serialized as the RFC 3339 UTC time of
/// [`DateTime`] (certificate validity, revocation times).
#[cfg(feature = "serde")]
pub(crate) struct UnixTime(pub(crate) i64);

#[cfg(feature = "serde")]
impl serde::Serialize for UnixTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DateTime::from_unix_seconds(self.0, 0)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// A [`SystemTime`] as an RFC 3339 UTC time (`serialize_with`).
#[cfg(feature = "serde")]
pub(crate) fn serialize_system_time<S: serde::Serializer>(
    time: &SystemTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&UnixTime(unix_seconds(*time)), serializer)
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for DateTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc3339(text: &str) -> DateTime {
        DateTime::parse_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    // RFC 5322 §3.3: date = day month year, with the days of the Gregorian calendar.
    #[test]
    fn rfc5322_3_3_impossible_day_is_refused() {
        assert!(matches!(
            DateTime::read_rfc5322("30 Feb 2026 10:00:00 +0000"),
            Err(DateTimeError::Day {
                year: 2026,
                month: 2,
                day: 30
            })
        ));
        assert!(DateTime::parse_rfc5322("31 Apr 2026 10:00:00 +0000").is_none());
        assert!(DateTime::parse_rfc5322("29 Feb 2100 10:00:00 +0000").is_none());
        assert!(DateTime::parse_rfc5322("Tue, 29 Feb 2000 10:00:00 +0000").is_some());
    }

    // RFC 5322 §3.3: "the day-of-week ... MUST be the day implied by the date".
    #[test]
    fn rfc5322_3_3_weekday_must_be_the_dates() {
        assert!(matches!(
            DateTime::read_rfc5322("Mon, 24 Nov 2026 10:00:00 +0100"),
            Err(DateTimeError::Weekday { actual: "Tue", .. })
        ));
        assert!(DateTime::parse_rfc5322("tue, 24 Nov 2026 10:00:00 +0100").is_some());
        assert!(DateTime::parse_rfc5322("24 Nov 2026 10:00:00 +0100 (CET, winter)").is_some());
    }

    // RFC 5322 §3.3: "the year is any numeric year 1900 or later"; four digits (D123).
    #[test]
    fn rfc5322_3_3_years_1900_to_9999_are_accepted() {
        let last = DateTime::parse_rfc5322("Fri, 31 Dec 9999 23:59:59 +0000").expect("9999");
        assert_eq!(last.unix_seconds(), 253_402_300_799);
        assert!(DateTime::parse_rfc5322("Mon, 01 Jan 1900 00:00:00 +0000").is_some());
        assert!(matches!(
            DateTime::read_rfc5322("31 Dec 1899 00:00:00 +0000"),
            Err(DateTimeError::Year {
                year: 1899,
                min: 1900,
                ..
            })
        ));
    }

    // RFC 5322 §3.3: zone = ("+" / "-") 4DIGIT, written back as read.
    #[test]
    fn rfc5322_3_3_round_trips_with_negative_offset() {
        let date = DateTime::parse_rfc5322("Mon, 2 Mar 2026 08:05:09 -0330").expect("date");
        assert_eq!(date.offset_minutes, -210);
        assert_eq!(date.to_rfc5322(), "Mon, 02 Mar 2026 08:05:09 -0330");
        assert_eq!(DateTime::parse_rfc5322(&date.to_rfc5322()), Some(date));
        assert_eq!(DateTime::parse_rfc5322("yesterday"), None);
    }

    // RFC 3339 §5.7: date-mday 01-28/29/30/31 "based on month/year".
    #[test]
    fn rfc3339_5_7_impossible_day_is_refused() {
        assert!(matches!(
            DateTime::parse_rfc3339("2026-02-30T00:00:00Z"),
            Err(DateTimeError::Day { day: 30, .. })
        ));
        assert!(DateTime::parse_rfc3339("2026-13-01T00:00:00Z").is_err());
        assert!(DateTime::parse_rfc3339("2026-01-01T24:00:00Z").is_err());
        assert_eq!(rfc3339("2024-02-29T12:00:00Z").day, 29);
    }

    // RFC 3339 §5.6: date-fullyear = 4DIGIT, so 0000 to 9999 (D123).
    #[test]
    fn rfc3339_5_6_full_year_range_is_accepted() {
        let last = rfc3339("9999-12-31T23:59:59Z");
        assert_eq!(last.unix_seconds(), 253_402_300_799);
        assert_eq!(last.to_rfc3339(), "9999-12-31T23:59:59Z");
        let first = rfc3339("0000-01-01T00:00:00Z");
        assert_eq!(first.unix_seconds(), -62_167_219_200);
        assert!(DateTime::parse_rfc3339("10000-01-01T00:00:00Z").is_err());
    }

    // RFC 3339 §5.6: time-offset is required; "T"/"Z" may be lower case (§5.6 NOTE).
    #[test]
    fn rfc3339_5_6_offset_is_required() {
        assert!(matches!(
            DateTime::parse_rfc3339("2026-11-24T10:00:00"),
            Err(DateTimeError::NoTimeZone {
                format: DateFormat::Rfc3339
            })
        ));
        assert_eq!(rfc3339("2026-11-24t10:00:00z"), rfc3339("2026-11-24T10:00:00Z"));
        assert_eq!(rfc3339("2026-11-24T10:00:00.999-03:30").offset_minutes, -210);
        assert!(DateTime::parse_rfc3339("2026-11-24T10:00:00+24:00").is_err());
    }

    // XML Schema 1.0 Part 2 §3.2.7: no year 0000, no leap second, offsets to ±14:00.
    #[test]
    fn xs_date_time_3_2_7_range() {
        let (date, zoned) = DateTime::parse_xs_date_time(" 2026-11-24T10:00:00+14:00\n").expect("date");
        assert!(zoned);
        assert_eq!(date.offset_minutes, 840);
        assert!(matches!(
            DateTime::parse_xs_date_time("0000-01-01T00:00:00Z"),
            Err(DateTimeError::Year { year: 0, .. })
        ));
        assert!(DateTime::parse_xs_date_time("2026-11-24T10:00:60Z").is_err());
        assert!(DateTime::parse_xs_date_time("2026-11-24T10:00:00+14:01").is_err());
        assert!(DateTime::parse_xs_date_time("2026-11-24t10:00:00Z").is_err());
        assert!(matches!(
            DateTime::parse_xs_date_time("12026-11-24T10:00:00Z"),
            Err(DateTimeError::Year { year: 12026, .. })
        ));
        let (date, zoned) = DateTime::parse_xs_date_time("9999-12-31T23:59:59").expect("date");
        assert!(!zoned);
        assert_eq!(date.offset_minutes, 0);
    }

    // XML Schema 1.0 Part 2 §3.2.7: what the reader refuses, the check
    // refuses on a value read from RFC 3339 (D170).
    #[test]
    fn xs_date_time_3_2_7_check_refuses_what_the_reader_refuses() {
        for text in [
            "0000-01-01T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-11-24T10:00:00+14:01",
        ] {
            let date = rfc3339(text);
            assert!(date.check_xs_date_time().is_err(), "{text}");
            assert_eq!(
                date.check_xs_date_time().map(|()| date),
                DateTime::parse_xs_date_time(text).map(|(d, _)| d),
                "{text}"
            );
        }
        let fine = rfc3339("2026-11-24t10:00:00-14:00");
        assert_eq!(fine.check_xs_date_time(), Ok(()));
        assert_eq!(DateTime::parse_xs_date_time(&fine.to_rfc3339()), Ok((fine, true)));
    }

    // D123: every instant of the years 0000..=9999 converts both ways.
    #[test]
    fn unix_seconds_convert_both_ways_at_the_ends_of_the_range() {
        for seconds in [-62_167_219_200, -1, 0, 951_782_400, 253_402_300_799] {
            let date = DateTime::from_unix_seconds(seconds, 0).expect("in range");
            assert_eq!(date.unix_seconds(), seconds, "{date}");
            assert_eq!(date.validate(), Ok(()));
        }
        assert_eq!(
            DateTime::from_unix_seconds(0, 60).expect("1970").to_rfc3339(),
            "1970-01-01T01:00:00+01:00"
        );
        assert!(matches!(
            DateTime::from_unix_seconds(253_402_300_800, 0),
            Err(DateTimeError::OutOfRange { .. })
        ));
        assert!(DateTime::from_unix_seconds(253_402_300_799, 60).is_err());
        assert!(DateTime::from_unix_seconds(i64::MIN, 0).is_err());
    }

    // RFC 3339 §5.7 / RFC 5322 §3.3: second 60 is a leap second, the next minute's first.
    #[test]
    fn leap_second_counts_as_the_next_minute() {
        let leap = rfc3339("2016-12-31T23:59:60Z");
        assert_eq!(
            leap.unix_seconds(),
            rfc3339("2017-01-01T00:00:00Z").unix_seconds()
        );
    }

    #[test]
    fn system_time_converts_both_ways() {
        let date = rfc3339("1969-07-20T20:17:40Z");
        let time = SystemTime::from(date);
        assert_eq!(DateTime::try_from(time), Ok(date));
        assert_eq!(unix_seconds(time), -14_182_940);
        let far = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert!(DateTime::try_from(far).is_err());
        assert_eq!(DateTime::now_utc().map(|d| d.offset_minutes), Ok(0));
    }

    // TR 01201-3.4 §3.5.1: "TT.MM.JJJJ HH:MM" in the time's own offset.
    #[test]
    fn german_form_of_3_5_1() {
        assert_eq!(
            rfc3339("2024-03-05T09:07:00+01:00").to_german(),
            "05.03.2024 09:07"
        );
        let utc = rfc3339("2024-03-05T09:07:00+01:00").at_offset(0).expect("utc");
        assert_eq!(utc.to_german(), "05.03.2024 08:07");
    }

    #[test]
    fn new_refuses_what_validate_refuses() {
        assert!(DateTime::new(2026, 2, 29, 0, 0, 0, 0).is_err());
        assert!(DateTime::new(2026, 1, 1, 0, 0, 0, 1440).is_err());
        assert!(DateTime::new(2026, 1, 1, 0, 0, 61, 0).is_err());
        assert!(DateTime::new(2028, 2, 29, 23, 59, 60, -1439).is_ok());
    }
}
