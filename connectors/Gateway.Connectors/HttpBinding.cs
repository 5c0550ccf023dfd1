namespace Gateway.Connectors;

/// <summary>How an <see cref="ConnectorKind.Http"/> connector maps arguments onto a request.</summary>
/// <param name="Method">HTTP method, e.g. <c>GET</c> or <c>POST</c>.</param>
/// <param name="PathTemplate">Path relative to the upstream with <c>{arg}</c> placeholders, e.g. <c>/orders/{id}</c>.</param>
/// <param name="ArgsIn">Where the arguments not used by the template go.</param>
public sealed record HttpBinding(string Method, string PathTemplate, ArgsLocation ArgsIn = ArgsLocation.Body);
