namespace Gateway.Proxy.Console;

/// <summary>The answer to suspending or resuming a console user: the tenant, the subject, whether suspended, how many sessions ended.</summary>
internal sealed record ConsoleUserStatus(string Tenant, string Subject, bool Suspended, int SessionsEnded);
