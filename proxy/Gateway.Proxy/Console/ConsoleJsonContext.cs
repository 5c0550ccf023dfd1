using System.Text.Json.Serialization;

namespace Gateway.Proxy.Console;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ConsoleSession))]
[JsonSerializable(typeof(ConsoleSignInFlow))]
[JsonSerializable(typeof(ConsoleUserStatus))]
[JsonSerializable(typeof(ConsoleUserList))]
[JsonSerializable(typeof(ConsoleLogoutError))]
[JsonSerializable(typeof(ConsoleConsentList))]
[JsonSerializable(typeof(ConnectionList))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;
