namespace Gateway.Proxy.Console;

/// <summary>A refused back-channel logout: an OAuth 2.0 error (<c>invalid_request</c>) and what was wrong.</summary>
internal sealed record ConsoleLogoutError(string Error, string ErrorDescription);
