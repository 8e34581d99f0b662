//! Shared helpers of the integration tests.
#![allow(dead_code)] // each test binary uses a different part

pub mod moto;
pub mod synthetic;
