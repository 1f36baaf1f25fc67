//! Translations. Fluent files under `locales/{en,es,th}` are embedded at compile time;
//! every user-visible string of the web layer comes from them. English is the fallback,
//! but a test makes sure no key is missing in any language.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "../../locales",
        fallback_language: "en",
        // Bidi isolation marks would show up as stray characters in attribute values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A supported interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
    Th,
}

impl Lang {
    /// All languages, in the order the switch shows them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Es, Lang::Th];

    /// BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Th => "th",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
            Lang::Th => "ไทย",
        }
    }

    /// Parses a code such as `es` or `es-AR`.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            "th" => Some(Lang::Th),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header.
    pub fn from_accept_language(h: &str) -> Option<Lang> {
        let mut tags: Vec<(f32, &str)> = h
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.into_iter().find_map(|(_, t)| Lang::parse(t))
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::En => fluent_templates::langid!("en"),
            Lang::Es => fluent_templates::langid!("es"),
            Lang::Th => fluent_templates::langid!("th"),
        }
    }
}

/// Translator for one request's language; templates call `i18n.t("key")`.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub lang: Lang,
}

impl I18n {
    /// For `lang`.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.lang.id(), key)
    }

    /// The message `key` with one named argument.
    pub fn t1(&self, key: &str, name: &str, value: &dyn std::fmt::Display) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert(
            Cow::Owned(name.to_owned()),
            FluentValue::from(value.to_string()),
        );
        LOCALES.lookup_with_args(&self.lang.id(), key, &args)
    }

    /// The message `key` with several named arguments.
    pub fn ta(&self, key: &str, named: &[(&str, String)]) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        for (k, v) in named {
            args.insert(Cow::Owned((*k).to_owned()), FluentValue::from(v.clone()));
        }
        LOCALES.lookup_with_args(&self.lang.id(), key, &args)
    }

    /// The message `key` with a count (plural-aware).
    pub fn tn(&self, key: &str, n: i64) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert(Cow::Borrowed("n"), FluentValue::from(n));
        LOCALES.lookup_with_args(&self.lang.id(), key, &args)
    }

    /// Translates a stored code under a prefix: `code("role", "caseworker")` looks up
    /// `role-caseworker`.
    pub fn code(&self, prefix: &str, code: &str) -> String {
        self.t(&format!(
            "{prefix}-{}",
            code.replace('_', "-").to_lowercase()
        ))
    }

    /// The language code, for `<html lang>`.
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
}

/// A message of the catalogue by language code (English when unknown): the texts the
/// core's e-mails are written with.
pub fn mail_text(lang: &str, key: &str) -> String {
    I18n::new(Lang::parse(lang).unwrap_or(Lang::En)).t(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn ids(lang: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../locales")
            .join(lang);
        let mut out = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().and_then(|e| e.to_str()) != Some("ftl") {
                continue;
            }
            let file = p.file_name().unwrap().to_string_lossy().to_string();
            for line in std::fs::read_to_string(&p).unwrap().lines() {
                let Some((id, _)) = line.split_once('=') else {
                    continue;
                };
                let id = id.trim_end();
                if !id.is_empty()
                    && !line.starts_with([' ', '#', '.', '*', '[', '}'])
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    out.insert(format!("{file}:{id}"));
                }
            }
        }
        out
    }

    #[test]
    fn every_key_exists_in_every_language() {
        let en = ids("en");
        assert!(en.len() > 100, "English catalogue looks truncated");
        for lang in ["es", "th"] {
            let other = ids(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn lookups_translate_and_fall_back_to_the_key_marker_never_silently() {
        assert_eq!(I18n::new(Lang::Es).t("nav-directory"), "Directorio");
        assert_ne!(
            I18n::new(Lang::Th).t("nav-directory"),
            I18n::new(Lang::En).t("nav-directory")
        );
    }

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Lang::from_accept_language("de-DE,th;q=0.8,es;q=0.9"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
    }
}
