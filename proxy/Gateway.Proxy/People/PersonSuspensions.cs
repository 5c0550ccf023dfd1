using Gateway.Admin.Tokens;
using Gateway.Store;

namespace Gateway.Proxy.People;

/// <summary>
/// Whether an administrator suspended a person of a tenant (the console's suspend), as the issuer that signed them in and
/// their subject there (<see cref="ConsolePersonSuspensions"/>): read on every use (no cache), so a suspension ends the
/// person's console sessions and their interactive clients' tokens at once on every replica.
/// </summary>
internal static class PersonSuspensions
{
    public static ValueTask<bool> IsSuspendedAsync(IKeyValueStore store, string tenant, string issuer, string subject, CancellationToken cancellationToken) =>
        ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, issuer, subject, cancellationToken);
}
