//! Test support for the generated `adobe-io-events` crate: a handler that records what it is
//! given, and JSON comparison modulo the generator's documented normalisations.

use std::sync::{Arc, Mutex};

use adobe_io_events::messages::*;
use adobe_io_events::runtime::{Context, HandlerError};
use serde_json::Value;

/// One handler call: the method, the payload and headers re-serialized, and the context.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    pub payload: Value,
    pub headers: Value,
    pub context: Context,
}

/// Records every call; fails every call when `fail` is set.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub calls: Arc<Mutex<Vec<Call>>>,
    pub fail: bool,
}

impl Recorder {
    pub fn failing() -> Self {
        Recorder {
            fail: true,
            ..Recorder::default()
        }
    }

    pub fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn record<P: serde::Serialize, H: serde::Serialize>(
        &self,
        method: &'static str,
        payload: &P,
        headers: &H,
        context: Context,
    ) -> Result<(), HandlerError> {
        let call = Call {
            method,
            payload: serde_json::to_value(payload)?,
            headers: serde_json::to_value(headers)?,
            context,
        };
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(call);
        if self.fail {
            Err("the test handler was told to fail".into())
        } else {
            Ok(())
        }
    }
}

macro_rules! recorder_methods {
    ($($method:ident: $msg:ty),* $(,)?) => {
        impl adobe_io_events::Handler for Recorder {
            $(
                async fn $method(&self, message: $msg, context: Context) -> Result<(), HandlerError> {
                    self.record(stringify!($method), &message.payload, &message.headers, context)
                }
            )*
        }
    };
}

recorder_methods! {
    dataset_ingestion: DatasetIngestionEvent,
    profile_update: ProfileUpdateEvent,
    segment_evaluation: SegmentEvaluationEvent,
    report_suite_change: ReportSuiteChangeEvent,
    delivery_status: DeliveryStatusEvent,
    workflow_execution: WorkflowExecutionEvent,
    activity_state_change: ActivityStateChangeEvent,
    journey_step: JourneyStepEvent,
    lightroom_job_status: LightroomJobStatusEvent,
    photoshop_job_status: PhotoshopJobStatusEvent,
}

// JSON comparison modulo the documented normalisations (and its tests), shared with the
// generator's corpus tests, whose scratch crate cannot depend on this one.
#[path = "../../asyncapi-codegen/tests/support/same_json.rs"]
mod same_json_impl;
pub use same_json_impl::same_json;
