//! What `make local` prints once the stage is up: where everything is, the clients (a password only
//! when the stage generated it: one given on the command line or in the environment is not echoed),
//! ready-to-paste examples, and what the template declares that the stage does not emulate.

use crate::Stage;
use crate::credentials::SeededClient;
use crate::template;

/// How the banner names a route's integration.
fn integration_label(integration: &template::Integration) -> String {
    match integration {
        // What AWS stores for `Data: $request.body` is inferred, not verified: say so where it shows.
        template::Integration::KinesisPutRecord { .. } => {
            "Kinesis-PutRecord integration (Data = the body's bytes here; check AWS with streamgate smoke)".into()
        }
        template::Integration::LambdaProxy { function, .. } => format!("Lambda proxy -> {function}"),
        template::Integration::HttpProxy { uri, .. } => format!("HTTP proxy -> {uri}"),
        template::Integration::NotEmulated(what) => format!("not emulated: {what}"),
    }
}

/// A client's password as the banner may show it.
fn shown_password(client: &SeededClient) -> &str {
    match client.generated {
        true => &client.password,
        false => "(as given: not shown)",
    }
}

/// The `user:password` of a `curl -u` example: a given password stays in the shell's variable.
fn curl_user(client: &SeededClient) -> String {
    match client.generated {
        true => format!("'{}:{}'", client.username, client.password),
        false => format!("\"{}:$STREAMGATE_PASSWORD\"", client.username),
    }
}

/// The credentials section: one unrestricted user as today, else one line per client.
fn clients_section(clients: &[SeededClient]) -> String {
    match clients {
        [single] if single.routes.is_none() => format!(
            "\x20 username    {}\n\x20 password    {}\n",
            single.username,
            shown_password(single)
        ),
        _ => {
            let width = clients.iter().map(|c| c.username.len()).max().unwrap_or(0).max(8);
            let routes_width = clients.iter().map(|c| c.routes_text().len()).max().unwrap_or(0);
            let mut text = String::from("\x20 clients     (name, routes, password)\n");
            for client in clients {
                text.push_str(&format!(
                    "\x20   {:<width$}  {:<routes_width$}   password {}\n",
                    client.username,
                    client.routes_text(),
                    shown_password(client)
                ));
            }
            text
        }
    }
}

impl Stage {
    /// What `make local` prints once the stage is up.
    pub fn banner(&self) -> String {
        let p = &self.provisioned;
        let url = format!("{}/submit/{}/evt-0001", self.gateway_url, p.stream_name);
        let aws = format!("aws --endpoint-url {} --region {}", self.endpoint, motoserver::REGION);
        let routes: String = self
            .plan
            .routes
            .iter()
            .map(|route| format!("\x20   {:<40} {}\n", route.key(), integration_label(&route.integration)))
            .collect();
        let user = p.example_client().map(curl_user).unwrap_or_default();
        let mut banner = format!(
            "\n streamgate local stage is up\n\n\
             \x20 API         {gateway}   (streamName = {stream})\n\
             {clients}\
             \x20 routes (all behind the Basic-auth authorizer):\n{routes}\n\
             \x20 try it:\n\
             \x20   curl -u {user} -H 'content-type: application/json' \\\n\
             \x20        -d '{{\"title\": \"hello\"}}' {url}\n",
            gateway = self.gateway_url,
            stream = p.stream_name,
            clients = clients_section(&p.clients),
        );
        if self.plan.routes.iter().any(|r| r.path.starts_with("/streams")) {
            banner.push_str(&format!(
                "\x20   curl -u {user} -X PUT -H 'content-type: application/json' \\\n\
                 \x20        -d '{{\"records\": [{{\"data\": {{\"title\": \"hi\"}}, \"partition-key\": \"evt-0002\"}}]}}' \\\n\
                 \x20        {gateway}/streams/{stream}/records\n",
                gateway = self.gateway_url,
                stream = p.stream_name,
            ));
        }
        if let Some(kafka) = &self.kafka {
            let serving = match &kafka.rest_proxy_url {
                Some(url) => {
                    format!("REST Proxy mode: KafkaRestProxyUrl = {url} (the topics function's core over plain HTTP)")
                }
                None => "the topics function (KafkaBootstrapServers = the broker, KafkaAuth = none)".to_string(),
            };
            banner.push_str(&format!(
                "\x20   curl -u {user} -H 'content-type: application/vnd.kafka.json.v2+json' \\\n\
                 \x20        -d '{{\"records\": [{{\"key\": \"evt-0003\", \"value\": {{\"title\": \"hi\"}}}}]}}' \\\n\
                 \x20        {gateway}/topics/{topic}\n\n\
                 \x20 kafka:       {bootstrap}   (Tansu, memory only, plaintext; topics {topics})\n\
                 \x20 /topics:     {serving}\n",
                gateway = self.gateway_url,
                topic = kafka.topics.first().map_or("", String::as_str),
                bootstrap = kafka.bootstrap,
                topics = kafka.topics.join(", "),
            ));
        }
        let invoke_port = self.invoke_url.rsplit_once(':').map_or("9000", |(_, port)| port);
        banner.push_str(&format!(
            "\n\x20 read it back:\n\
             \x20   ./target/debug/streamgate item evt-0001 --endpoint {endpoint}\n\
             \x20 or with the AWS CLI (credentials AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing):\n\
             \x20   {aws} dynamodb scan --table-name {table}\n\
             \x20   {aws} sqs receive-message --queue-url {queue}\n\n\
             \x20 invoke a function:  cargo lambda invoke -P {invoke_port} authorizer --data-file events/authorizer-http-v2-allow.json\n\
             \x20 emulator:           {endpoint}\n",
            table = p.table_name,
            queue = p.queue_url,
            endpoint = self.endpoint,
        ));
        if let Some(rotation) = &self.plan.rotation {
            banner.push_str(&format!(
                "\x20 clients:            ./target/debug/streamgate credentials list|add|show|remove|rotate \
                 --endpoint {endpoint} --invoke-endpoint {invoke}\n\
                 \x20                     (rotate runs {function}; passwords are printed only with --reveal)\n",
                endpoint = self.endpoint,
                invoke = self.invoke_url,
                function = rotation.function,
            ));
        }
        banner.push_str("\n\x20 stop: Ctrl-C\n");
        if !self.not_emulated.is_empty() {
            banner.push_str("\n  not emulated (declared in template.yaml, ignored here):\n");
            for item in &self.not_emulated {
                banner.push_str(&format!("    - {item}\n"));
            }
        }
        banner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clients::RoutePattern;

    fn client(name: &str, routes: Option<&[&str]>, generated: bool) -> SeededClient {
        SeededClient {
            username: name.into(),
            password: format!("{name}-secret-password"),
            routes: routes.map(|r| r.iter().map(|p| RoutePattern::parse(p).unwrap()).collect()),
            generated,
        }
    }

    #[test]
    fn shows_names_routes_and_only_generated_passwords() {
        let single = [client("streamgate", None, false)];
        let text = clients_section(&single);
        assert!(text.contains("username    streamgate"), "{text}");
        assert!(!text.contains("streamgate-secret-password"), "{text}");
        assert_eq!(curl_user(&single[0]), "\"streamgate:$STREAMGATE_PASSWORD\"");
        let generated = [client("streamgate", None, true)];
        assert!(clients_section(&generated).contains("password    streamgate-secret-password"));

        let named = [
            client("partner", Some(&["POST /submit/orders-*/*", "GET /streams"]), true),
            client("ops", None, true),
            client("fixed", Some(&["GET /streams"]), false),
        ];
        let text = clients_section(&named);
        assert!(
            text.contains("partner   POST /submit/orders-*/*, GET /streams   password partner-secret-password"),
            "{text}"
        );
        assert!(text.contains("ops       every route"), "{text}");
        assert!(text.contains("   password ops-secret-password"), "{text}");
        assert!(!text.contains("fixed-secret-password"), "{text}");
    }
}
