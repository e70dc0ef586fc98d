//! Converter from NIST's OpenCV YAML random forest (`nist_plain_tir-ink.yaml`) to rekam's compact
//! binary layout (described in `src/nfiq2/model/PROVENANCE.md`). Shared by the
//! `convert-nfiq2-model` example and the test that checks the embedded model.
//!
//! Contract: accepts only what NIST's model is (an OpenCV `RTrees` classifier, format 3, two class
//! labels 0 and 1, ordered variables, `le` splits) and refuses anything else with a message; the
//! tree structure is rebuilt from the pre-order node list exactly as OpenCV's `readTree` does.

/// A parsed node: `split` is (variable, threshold) for inner nodes.
struct Node {
    value: f64,
    split: Option<(usize, f32)>,
}

fn field<'a>(text: &'a str, key: &str) -> Result<&'a str, String> {
    let pat = format!("\n   {key}:");
    let at = text.find(&pat).ok_or(format!("missing {key}"))? + pat.len();
    let rest = &text[at..];
    Ok(rest[..rest.find('\n').unwrap_or(rest.len())].trim())
}

fn list<'a>(text: &'a str, key: &str) -> Result<Vec<&'a str>, String> {
    let pat = format!("\n   {key}:");
    let at = text.find(&pat).ok_or(format!("missing {key}"))? + pat.len();
    let rest = &text[at..];
    let open = rest.find('[').ok_or(format!("{key} is not a list"))?;
    let close = rest.find(']').ok_or(format!("{key} is not closed"))?;
    Ok(rest[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect())
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("bad number {s:?} for {what}"))
}

/// Converts the YAML text into the binary model.
pub fn convert(yaml: &str) -> Result<Vec<u8>, String> {
    let head_end = yaml.find("\n   trees:").ok_or("missing trees")?;
    let head = &yaml[..head_end];
    if field(head, "format")? != "3" {
        return Err("only OpenCV ml format 3 is supported".into());
    }
    if field(head, "is_classifier")? != "1" {
        return Err("not a classifier".into());
    }
    let labels: Vec<i32> = list(head, "class_labels")?
        .iter()
        .map(|s| num(s, "class_labels"))
        .collect::<Result<_, _>>()?;
    if labels != [0, 1] {
        return Err("class labels are not [0, 1]".into());
    }
    let nvars: usize = num(field(head, "var_count")?, "var_count")?;
    let var_type = list(head, "var_type")?;
    if var_type.len() != nvars + 1 || var_type[..nvars].iter().any(|t| *t != "0") {
        return Err("only ordered input variables are supported".into());
    }
    let var_idx = list(head, "var_idx")?;
    if var_idx.len() != nvars
        || var_idx
            .iter()
            .enumerate()
            .any(|(i, v)| v.parse::<usize>() != Ok(i))
    {
        return Err("var_idx is not the identity".into());
    }
    let missing: Vec<f32> = list(head, "missing_subst")?
        .iter()
        .map(|s| num::<f64>(s, "missing_subst").map(|v| v as f32))
        .collect::<Result<_, _>>()?;
    // OpenCV keeps one substitute per variable including the response; inputs use the first.
    if missing.len() != nvars && missing.len() != nvars + 1 {
        return Err("missing_subst has the wrong length".into());
    }
    let missing = &missing[..nvars];
    let ntrees: usize = num(field(head, "ntrees")?, "ntrees")?;

    // Trees: each starts at "nodes:", each node at "depth:".
    let body = &yaml[head_end..];
    let mut trees: Vec<Vec<Node>> = Vec::new();
    for tree_text in body.split("nodes:").skip(1) {
        let mut nodes = Vec::new();
        for node_text in tree_text.split("depth:").skip(1) {
            let value_at = node_text.find("value:").ok_or("node without value")? + 6;
            let value_line = &node_text[value_at..];
            let value: f64 = num(
                &value_line[..value_line.find('\n').unwrap_or(value_line.len())],
                "value",
            )?;
            let split = match node_text.find("splits:") {
                None => None,
                Some(s) => {
                    let rest = &node_text[s..];
                    let open = rest.find('{').ok_or("split without {")?;
                    let close = rest.find('}').ok_or("split without }")?;
                    let mut var = None;
                    let mut le = None;
                    for kv in rest[open + 1..close].split(',') {
                        let (k, v) = kv.split_once(':').ok_or("bad split entry")?;
                        match k.trim() {
                            "var" => var = Some(num::<usize>(v, "var")?),
                            "le" => le = Some(num::<f64>(v, "le")? as f32),
                            "quality" => {}
                            other => return Err(format!("unsupported split key {other}")),
                        }
                    }
                    let var = var.ok_or("split without var")?;
                    if var >= nvars {
                        return Err(format!("split variable {var} out of range"));
                    }
                    Some((var, le.ok_or("split without le")?))
                }
            };
            nodes.push(Node { value, split });
        }
        trees.push(nodes);
    }
    if trees.len() != ntrees {
        return Err(format!("{} trees found, ntrees says {ntrees}", trees.len()));
    }

    let mut out = Vec::new();
    out.extend_from_slice(b"RKNFIQ2F");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(nvars as u32).to_le_bytes());
    out.extend_from_slice(&(ntrees as u32).to_le_bytes());
    for m in missing {
        out.extend_from_slice(&m.to_le_bytes());
    }
    let table_at = out.len();
    out.resize(table_at + 4 * ntrees, 0);
    for (t, nodes) in trees.iter().enumerate() {
        let rights = right_children(nodes)?;
        let start = out.len() as u32;
        out[table_at + 4 * t..table_at + 4 * t + 4].copy_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&(nodes.len() as u32).to_le_bytes());
        for (i, n) in nodes.iter().enumerate() {
            match n.split {
                Some((var, c)) => {
                    let right = u16::try_from(rights[i].ok_or("inner node without right child")?)
                        .map_err(|_| "tree too large".to_string())?;
                    out.push(var as u8);
                    out.extend_from_slice(&c.to_le_bytes());
                    out.extend_from_slice(&right.to_le_bytes());
                }
                None => {
                    out.push(0xFF);
                    out.extend_from_slice(&(n.value as f32).to_le_bytes());
                    out.extend_from_slice(&0u16.to_le_bytes());
                }
            }
        }
    }
    Ok(out)
}

/// OpenCV's `readTree` linkage on a pre-order list: the right child of every inner node.
fn right_children(nodes: &[Node]) -> Result<Vec<Option<usize>>, String> {
    let n = nodes.len();
    let mut left: Vec<Option<usize>> = vec![None; n];
    let mut right: Vec<Option<usize>> = vec![None; n];
    let mut parent: Vec<Option<usize>> = vec![None; n];
    let mut pidx: Option<usize> = None;
    for i in 0..n {
        parent[i] = pidx;
        if let Some(p) = pidx {
            if left[p].is_none() {
                left[p] = Some(i);
            } else {
                right[p] = Some(i);
            }
        }
        if nodes[i].split.is_some() {
            pidx = Some(i);
        } else {
            while let Some(p) = pidx {
                if right[p].is_none() {
                    break;
                }
                pidx = parent[p];
            }
        }
    }
    for i in 0..n {
        if nodes[i].split.is_some() && (left[i] != Some(i + 1) || right[i].is_none()) {
            return Err(format!("node {i} is not a complete pre-order inner node"));
        }
    }
    Ok(right)
}
