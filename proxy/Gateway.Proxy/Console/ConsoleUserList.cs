namespace Gateway.Proxy.Console;

/// <summary>The answer of <c>GET /admin/v1/tenants/{tenant}/console-users</c>.</summary>
internal sealed record ConsoleUserList(string Tenant, IReadOnlyList<ConsoleUserInfo> Users);
