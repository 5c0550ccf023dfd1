using Gateway.Oversight.Credentials;

namespace Gateway.Admin.Tests.Infrastructure;

/// <summary>A vault stand-in: keeps values in memory and only ever returns metadata.</summary>
internal sealed class FakeCredentialAdmin : ICredentialAdmin
{
    private readonly Dictionary<(string, string), (string Value, CredentialInfo Info)> _items = [];

    public ValueTask<CredentialInfo> PutAsync(string tenant, string name, string value, CancellationToken cancellationToken = default)
    {
        var info = new CredentialInfo { Name = name, Version = 1, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };
        _items[(tenant, name)] = (value, info);
        return ValueTask.FromResult(info);
    }

    public ValueTask<CredentialInfo?> RotateAsync(string tenant, string name, string newValue, CancellationToken cancellationToken = default)
    {
        if (!_items.TryGetValue((tenant, name), out var item))
        {
            return ValueTask.FromResult<CredentialInfo?>(null);
        }

        var info = item.Info with { Version = item.Info.Version + 1 };
        _items[(tenant, name)] = (newValue, info);
        return ValueTask.FromResult<CredentialInfo?>(info);
    }

    public ValueTask<bool> RevokeAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_items.Remove((tenant, name)));

    /// <summary>The tenants whose credentials were sealed again, in order.</summary>
    public List<string> Reencrypted { get; } = [];

    public ValueTask<SealedReencryption> ReencryptAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Reencrypted.Add(tenant);
        return ValueTask.FromResult(new SealedReencryption([new SealedKindReencryption("credentials", _items.Keys.Count(key => key.Item1 == tenant), 0, 0, 0, [])]));
    }

    public ValueTask<IReadOnlyList<CredentialInfo>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<CredentialInfo>>([.. _items.Where(p => p.Key.Item1 == tenant).Select(p => p.Value.Info)]);

    public string? ValueOf(string tenant, string name) => _items.TryGetValue((tenant, name), out var item) ? item.Value : null;
}
