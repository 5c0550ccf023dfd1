namespace Gateway.Connectors.Tests;

/// <summary>Secret-shaped test strings (fake, built at run time so scanners do not flag the source).</summary>
internal static class Samples
{
    public static readonly string OpenAiKey = "sk-" + "proj-" + "AbCdEf0123456789GhIjKlMnOp";
    public static readonly string AnthropicKey = "sk-" + "ant-api03-" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2";
    public static readonly string AwsKey = "AKIA" + "IOSFODNN7EXAMPLE";
    public static readonly string GitHubToken = "ghp_" + new string('a', 18) + "0123456789ABCDEFGH";
    public static readonly string SlackToken = "xoxb-" + "123456789012-abcdefABCDEF";
    public static readonly string GoogleKey = "AIza" + "SyA1234567890abcdefghijklmnopqrstuv";
    public static readonly string Jwt = "eyJhbGciOiJIUzI1NiJ9" + "." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0" + "." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    public static readonly string Bearer = "Bearer " + "abc123DEF456ghi789";
    public static readonly string PrivateKey = "-----BEGIN " + "PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END " + "PRIVATE KEY-----";
    public const string Card = "4111 1111 1111 1111";
    public const string CardDashed = "5500-0000-0000-0004";
    public const string Email = "jane.doe+work@example.co.uk";
}
