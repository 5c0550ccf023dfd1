namespace Gateway.Proxy.Configuration;

/// <summary>Whose key signs the gateway's calls to webhook connectors (<c>Gateway:Webhooks:Keys</c>).</summary>
public enum WebhookKeyScope
{
    /// <summary>Each tenant's own key, derived from the service key: what its receivers hold.</summary>
    Tenant,

    /// <summary>The service key itself, which every receiver of every tenant holds.</summary>
    Shared,
}
