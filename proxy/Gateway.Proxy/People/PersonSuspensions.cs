using Gateway.Store;

namespace Gateway.Proxy.People;

/// <summary>
/// Whether an administrator suspended a person of a tenant (the console's suspend): one store key per person, read on
/// every use (no cache), so a suspension ends the person's console sessions and their interactive clients' tokens at once
/// on every replica.
/// </summary>
internal static class PersonSuspensions
{
    public static string Key(string tenant, string subject) => Gateway.Admin.Tokens.ConsolePersonSuspensions.SuspendedKey(tenant, subject);

    public static async ValueTask<bool> IsSuspendedAsync(IKeyValueStore store, string tenant, string subject, CancellationToken cancellationToken) =>
        await store.GetAsync(Key(tenant, subject), cancellationToken).ConfigureAwait(false) is not null;
}
