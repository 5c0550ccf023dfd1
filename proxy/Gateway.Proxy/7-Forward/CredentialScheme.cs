namespace Gateway.Proxy.Forward;

/// <summary>How <see cref="CredentialInjectionTransform"/> writes a credential in its header (the connector's <c>auth</c>).</summary>
internal enum CredentialScheme
{
    /// <summary><c>Bearer &lt;credential&gt;</c>.</summary>
    Bearer,

    /// <summary>The credential as it is.</summary>
    Raw,
}
