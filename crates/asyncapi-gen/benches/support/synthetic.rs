// The synthetic document the speed targets are measured on: 1,000 channels, each with its
// own operation and message, payload, headers and nested schemas, about 4.7 MB as JSON.
// Shared by the benchmark and its tests.

use std::fmt::Write as _;

/// The document as JSON text. `channels` scales it; 1,000 gives ~4.7 MB.
pub fn document(channels: usize) -> String {
    let mut s = String::with_capacity(channels * 5_000);
    s.push_str(r#"{"asyncapi":"3.0.0","info":{"title":"Synthetic","version":"1.0.0","description":"Benchmark document"},"#);
    s.push_str(
        r#""servers":{"main":{"host":"broker.example.com:9092","protocol":"kafka"}},"channels":{"#,
    );
    for i in 0..channels {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r##""ch{i}":{{"address":"tenants/{{tenantId}}/devices/{{deviceId}}/events/e{i}","description":"Channel {i} carries device events of kind {i} for one tenant and device.","parameters":{{"tenantId":{{"description":"Tenant"}},"deviceId":{{"description":"Device"}}}},"messages":{{"m{i}":{{"$ref":"#/components/messages/M{i}"}}}}}}"##
        );
    }
    s.push_str(r#"},"operations":{"#);
    for i in 0..channels {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r##""op{i}":{{"action":"receive","channel":{{"$ref":"#/channels/ch{i}"}},"summary":"Receive event {i}","description":"Receives event {i} from every device of every tenant; must be idempotent since events may arrive more than once.","messages":[{{"$ref":"#/channels/ch{i}/messages/m{i}"}}]}}"##
        );
    }
    s.push_str(r#"},"components":{"messages":{"#);
    for i in 0..channels {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r##""M{i}":{{"name":"Event{i}","title":"Event {i}","summary":"A device reported event {i}.","contentType":"application/json","headers":{{"$ref":"#/components/schemas/Headers{i}"}},"payload":{{"$ref":"#/components/schemas/Payload{i}"}},"examples":[{{"name":"ex{i}","payload":{{"id":"4c1f9f5e-8b0e-4d36-9a8e-{i:012}","kind":"kind-{i}","at":"2024-06-13T14:05:43Z","value":{i}.5,"count":{i},"tags":["a","b"],"status":"active","location":{{"lat":52.5,"lon":13.4,"accuracy":3}}}}}},{{"name":"full{i}","summary":"Every field set, as sent by a battery-powered sensor after a firmware update.","headers":{{"x-correlation-id":"0f8fad5b-d9cb-469f-a165-70867728950e","x-event-kind":"kind-{i}","x-retry":0}},"payload":{{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","kind":"kind-{i}","at":"2024-06-13T14:05:43.120Z","value":-12.25,"count":{i},"tags":["outdoor","roof","north-side"],"status":"inactive","note":"Sensor was re-seated after maintenance.","attributes":{{"site":"Berlin-Mitte","rack":"R{i}"}},"reading":{{"type":"temperature","celsius":21.5}},"device":{{"serial":"AB12CD34EF","model":"TH-200","firmware":"2.14.3","batteryPercent":87,"signalDbm":-71,"installedAt":"2023-11-02","owner":"fleet-ops@example.com","labels":{{"zone":"north"}}}}}}}}]}}"##
        );
    }
    s.push_str(r#"},"schemas":{"#);
    for i in 0..channels {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r##""Headers{i}":{{"type":"object","properties":{{"x-correlation-id":{{"type":"string","format":"uuid"}},"x-event-kind":{{"type":"string","const":"kind-{i}"}},"x-retry":{{"type":"integer","minimum":0}}}}}},"Payload{i}":{{"type":"object","description":"Payload of event {i}: what the device measured, where, and when, with enough detail to be realistic in size.","required":["id","kind","at"],"properties":{{"id":{{"type":"string","format":"uuid","description":"Event id"}},"kind":{{"type":"string","const":"kind-{i}"}},"at":{{"type":"string","format":"date-time","description":"When the event happened"}},"value":{{"type":"number","minimum":-1000,"maximum":100000}},"count":{{"type":"integer","format":"int64","minimum":0}},"tags":{{"type":"array","items":{{"type":"string","maxLength":64}}}},"status":{{"type":"string","enum":["active","inactive","unknown"]}},"location":{{"$ref":"#/components/schemas/Location{i}"}},"note":{{"type":["string","null"],"maxLength":500}},"attributes":{{"type":"object","additionalProperties":{{"type":"string"}}}},"reading":{{"oneOf":[{{"$ref":"#/components/schemas/Temperature{i}"}},{{"$ref":"#/components/schemas/Humidity{i}"}}]}},"device":{{"$ref":"#/components/schemas/Device{i}"}}}}}},"Device{i}":{{"type":"object","description":"The device that sent event {i}, as registered in the fleet inventory at the time of sending.","required":["serial","model"],"properties":{{"serial":{{"type":"string","pattern":"^[A-Z0-9]{{8,16}}$","description":"Serial number printed on the device label."}},"model":{{"type":"string","description":"Hardware model identifier as reported by the firmware."}},"firmware":{{"type":"string","description":"Firmware version in semantic versioning form, for example 2.14.3."}},"batteryPercent":{{"type":"integer","minimum":0,"maximum":100,"description":"Remaining battery charge in percent, absent for mains-powered devices."}},"signalDbm":{{"type":"integer","minimum":-150,"maximum":0,"description":"Received signal strength of the last uplink in dBm."}},"installedAt":{{"type":"string","format":"date","description":"Day the device was installed at its current location."}},"owner":{{"type":"string","format":"email","description":"Contact address of the team responsible for the device."}},"labels":{{"type":"object","additionalProperties":{{"type":"string","maxLength":128}},"description":"Free-form labels attached by operators."}}}}}},"Location{i}":{{"type":"object","required":["lat","lon"],"properties":{{"lat":{{"type":"number","minimum":-90,"maximum":90}},"lon":{{"type":"number","minimum":-180,"maximum":180}},"accuracy":{{"type":"integer","minimum":0,"maximum":10000}}}}}},"Temperature{i}":{{"type":"object","required":["type","celsius"],"properties":{{"type":{{"const":"temperature"}},"celsius":{{"type":"number"}}}}}},"Humidity{i}":{{"type":"object","required":["type","percent"],"properties":{{"type":{{"const":"humidity"}},"percent":{{"type":"number","minimum":0,"maximum":100}}}}}}"##
        );
    }
    s.push_str("}}}");
    s
}
