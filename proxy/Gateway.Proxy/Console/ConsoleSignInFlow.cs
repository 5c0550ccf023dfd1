namespace Gateway.Proxy.Console;

/// <summary>One sign-in under way, kept in the state store under its <c>state</c>'s hash until the callback takes it (once);
/// <see cref="ReturnTo"/>: the console page to go back to after it (an interactive client's consent page), or null.
/// </summary>
internal sealed record ConsoleSignInFlow(string Tenant, string Nonce, string CodeVerifier, string RedirectUri, string? ReturnTo = null);
