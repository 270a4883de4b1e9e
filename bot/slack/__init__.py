"""The Slack adapter: Bolt listeners that parse requests and send the assistant's replies."""
