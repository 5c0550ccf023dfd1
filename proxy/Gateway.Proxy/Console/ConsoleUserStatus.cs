namespace Gateway.Proxy.Console;

/// <summary>The answer to suspending or resuming a console user: the tenant, the subject and its issuer, whether suspended, how many sessions ended.</summary>
internal sealed record ConsoleUserStatus(string Tenant, string Subject, string Issuer, bool Suspended, int SessionsEnded);
