//! Converts NIST's NFIQ 2 random forest from OpenCV YAML to rekam's embedded binary model.
//!
//! Usage: `cargo run -p rekam-quality --example convert-nfiq2-model -- <in.yaml> <out.bin>`

#[path = "../tools/nfiq2_model.rs"]
mod nfiq2_model;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        return Err("usage: convert-nfiq2-model <in.yaml> <out.bin>".into());
    };
    let yaml = std::fs::read_to_string(input).map_err(|e| format!("{input}: {e}"))?;
    let bin = nfiq2_model::convert(&yaml)?;
    std::fs::write(output, &bin).map_err(|e| format!("{output}: {e}"))?;
    println!("wrote {} bytes to {output}", bin.len());
    Ok(())
}
