namespace Gateway.Proxy.Refusals;

/// <summary>
/// Registers <c>AddProblemDetails</c> with the gateway's one writer first, so the framework's problems
/// (status-code pages, the exception handler, endpoint results) come out in the gateway's shape; a dependency's
/// failure escaping an endpoint is its 503, a body the server refused while an endpoint read it its 400, 408 or 413.
/// </summary>
internal static class ProblemDetailsServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayProblemDetails(this IServiceCollection services)
    {
        // Before AddProblemDetails: the problem details service asks its writers in registration order.
        services.AddSingleton<IProblemDetailsWriter, GatewayProblemDetailsWriter>();
        services.AddProblemDetails();

        // A dependency's failure that escapes an endpoint is a 503, a refused body its 4xx, as the stages answer them
        // (DependencyFailures); a refused body is the client's fault, logged by the writer, never as an unhandled error.
        services.Configure<ExceptionHandlerOptions>(static options =>
        {
            options.StatusCodeSelector = DependencyFailures.StatusOf;
            options.SuppressDiagnosticsCallback = static context => DependencyFailures.IsClientFault(context.Exception);
        });

        // A parameter that cannot be bound is a 400 problem in every environment, never an exception.
        services.Configure<RouteHandlerOptions>(static options => options.ThrowOnBadRequest = false);
        return services;
    }
}
