//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane) on two
//! dedicated threads that each keep their 19 MiB work area for the life of the process.
//!
//! Why not `spawn_blocking` with a fresh allocation per hash: glibc raises its mmap
//! threshold after the first large free, so every blocking thread ends up keeping its own
//! 19 MiB arena — a server grew from 10 MiB to over 180 MiB after a handful of sign-ins.
//! Two long-lived workers bound memory (about 40 MiB at most) and CPU under a burst of
//! sign-in attempts, which also blunts password-guessing floods.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

/// Largest memory cost accepted from a stored hash (KiB), so a planted hash cannot make a
/// worker allocate without bound.
const MAX_M_COST: u32 = 256 * 1024;

enum Job {
    Hash(String, tokio::sync::oneshot::Sender<Result<String, String>>),
    Verify(String, String, tokio::sync::oneshot::Sender<bool>),
}

/// Handle to the hashing workers; cheap to clone.
#[derive(Clone)]
pub struct Hasher {
    tx: Sender<Job>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

impl Hasher {
    /// Starts `workers` hashing threads; they stop when the last handle is dropped.
    pub fn start(workers: usize) -> std::io::Result<Self> {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(&rx))?;
        }
        Ok(Self { tx })
    }

    /// Hashes `pw` into a PHC string.
    pub async fn hash(&self, pw: &str) -> anyhow::Result<String> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.tx
            .send(Job::Hash(pw.to_owned(), reply))
            .map_err(|_| anyhow::anyhow!("password hashing workers stopped"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("password hashing worker died"))?
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    }

    /// True when `pw` matches the PHC string `phc`.
    pub async fn verify(&self, pw: &str, phc: &str) -> anyhow::Result<bool> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.tx
            .send(Job::Verify(pw.to_owned(), phc.to_owned(), reply))
            .map_err(|_| anyhow::anyhow!("password hashing workers stopped"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("password hashing worker died"))
    }
}

fn worker(rx: &Mutex<Receiver<Job>>) {
    let mut blocks: Vec<Block> = Vec::new();
    loop {
        let job = {
            let Ok(guard) = rx.lock() else { return };
            match guard.recv() {
                Ok(j) => j,
                Err(_) => return,
            }
        };
        match job {
            Job::Hash(pw, reply) => {
                let _ = reply.send(hash_with(&mut blocks, &pw));
            }
            Job::Verify(pw, phc, reply) => {
                let _ = reply.send(verify_with(&mut blocks, &pw, &phc));
            }
        }
    }
}

fn run(
    blocks: &mut Vec<Block>,
    params: Params,
    pw: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let n = params.block_count();
    if blocks.len() < n {
        blocks.resize(n, Block::default());
    }
    let area = blocks.get_mut(..n).ok_or(argon2::Error::MemoryTooLittle)?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(pw, salt, out, area)
}

fn hash_with(blocks: &mut Vec<Block>, pw: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
    let params = Params::default();
    let mut out = [0u8; 32];
    run(blocks, params.clone(), pw.as_bytes(), salt_bytes, &mut out).map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|e: argon2::password_hash::Error| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

fn verify_with(blocks: &mut Vec<Block>, pw: &str, phc: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&h) else {
        return false;
    };
    if h.algorithm != argon2::ARGON2ID_IDENT || params.m_cost() > MAX_M_COST {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    run(blocks, params, pw.as_bytes(), salt_bytes, &mut out).is_ok()
        && bool::from(out.ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[tokio::test]
    async fn hashes_verify_here_and_with_the_reference_implementation() {
        let h = Hasher::start(1).unwrap();
        let phc = h.hash("correct horse battery staple").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            h.verify("correct horse battery staple", &phc)
                .await
                .unwrap()
        );
        assert!(
            !h.verify("correct horse battery stapler", &phc)
                .await
                .unwrap()
        );
        assert!(!h.verify("x", "not a hash").await.unwrap());
        // Interoperable with the crate's own verifier (hashes made before stay valid).
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        let theirs = argon2::PasswordHasher::hash_password(
            &Argon2::default(),
            b"abc",
            &SaltString::generate(&mut OsRng),
        )
        .unwrap()
        .to_string();
        assert!(h.verify("abc", &theirs).await.unwrap());
    }
}
