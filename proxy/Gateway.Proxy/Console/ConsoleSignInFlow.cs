namespace Gateway.Proxy.Console;

/// <summary>One sign-in under way, kept in the state store under its <c>state</c>'s hash until the callback takes it (once).</summary>
internal sealed record ConsoleSignInFlow(string Tenant, string Nonce, string CodeVerifier, string RedirectUri);
