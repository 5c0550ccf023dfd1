namespace Gateway.Proxy.Pipeline;

/// <summary>The agent routes the governance pipeline serves; each YARP route carries one in its metadata.</summary>
internal enum GatewayRouteKind
{
    /// <summary><c>POST /v1/evaluate</c>: decide only, nothing forwarded.</summary>
    Evaluate,

    /// <summary><c>POST /v1/actions/invoke-tool</c>.</summary>
    InvokeTool,

    /// <summary><c>POST /v1/actions/model</c>.</summary>
    Model,

    /// <summary><c>POST /v1/actions/context</c>.</summary>
    Context,

    /// <summary><c>ANY /providers/{connector}/{**path}</c>: the transparent route for provider-native clients.</summary>
    Provider,
}
