//! A GET and a JSON parse: enough to make the compiler build the whole stack.
pub async fn get_json(url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let body = reqwest::Client::new().get(url).send().await?.bytes().await?;
    Ok(serde_json::from_slice(&body)?)
}
