//! Browser tests of ATLAS live in `tests/`: they start the application on 127.0.0.1,
//! start Debian's chromedriver and drive headless Chromium through WebDriver. This crate
//! is outside the workspace's default members so `cargo test` needs no browser;
//! CI runs `cargo test -p atlas-e2e`.
