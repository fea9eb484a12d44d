package dev.pinhole.operator.appconnector;

import static dev.pinhole.operator.ConditionTypes.DEGRADED;
import static dev.pinhole.operator.ConditionTypes.PROGRESSING;
import static dev.pinhole.operator.ConditionTypes.READY;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.AppConnectorStatus;
import dev.pinhole.api.Client;
import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientStatus;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.operator.ChildWriter;
import dev.pinhole.operator.ConditionTypes.Reason;
import dev.pinhole.operator.EventRecorder;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import dev.pinhole.operator.OperatorSettings;
import dev.pinhole.operator.ReconcileMetrics;
import dev.pinhole.operator.StatusPatch;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles an AppConnector into its key Secret, config, Deployment, Service, PDB, NetworkPolicy and client
 * configs, and reports status. Fails closed: an invalid spec never replaces the last good connector config.
 */
@ControllerConfiguration(name = AppConnectorReconciler.NAME,
        informer = @Informer(itemStore = ItemStoreWithoutManagedFields.class))
public class AppConnectorReconciler implements Reconciler<AppConnector> {
    public static final String NAME = "appconnector";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by=pinhole-operator";
    /**
     * Client status writes in flight at once. One at a time, the API round trips were the whole reconcile
     * (bench/clients.sh: ~10 writes/s on the busy machine, minutes to admit 4,990 new Clients, and every later Client
     * waited behind them); a fixed number keeps the API server's load bounded however many connectors reconcile.
     */
    static final int CLIENT_STATUS_WRITE_CONCURRENCY = 8;

    private static final org.jboss.logging.Logger LOG =
            org.jboss.logging.Logger.getLogger(AppConnectorReconciler.class);

    private final OperatorSettings settings;
    private final ChildWriter writer;
    private final EventRecorder events;
    private final ReconcileMetrics metrics;
    private final Clock clock;
    private final ConnectorReports probe;
    private final ServiceCreations serviceCreations;
    /** Client status writes, {@link #CLIENT_STATUS_WRITE_CONCURRENCY} at a time across all connectors. */
    private final ClientStatusWrites clientStatusWrites = new ClientStatusWrites(CLIENT_STATUS_WRITE_CONCURRENCY);
    /** Namespaces whose pods may reach the connectors' HTTP port (see DesiredNetworkObjects#networkPolicy). */
    private final List<String> httpNamespaces;

    public AppConnectorReconciler(OperatorSettings settings, ChildWriter writer, EventRecorder events,
                                  ReconcileMetrics metrics, Clock clock) {
        this.settings = settings;
        this.writer = writer;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.probe = new ConnectorReports(Duration.ofMillis(settings.operator().probeTimeoutMillis()));
        this.httpNamespaces = httpNamespaces(OperatorSettings.podNamespace().orElse(null),
                settings.connector().metricsNamespaces().orElse(List.of()));
        this.serviceCreations = new ServiceCreations(settings.operator().serviceCreateConcurrency(),
                Duration.ofSeconds(settings.operator().recheckSeconds()), clock);
    }

    @Override
    public List<EventSource<?, AppConnector>> prepareEventSources(EventSourceContext<AppConnector> context) {
        List<EventSource<?, AppConnector>> sources = new ArrayList<>();
        sources.add(owned(Deployment.class, context, ChildUpdates::deploymentMatters,
                new TransformingItemStore<>(CachedDeployment::keepRead)));
        sources.add(owned(Service.class, context, ChildUpdates::serviceMatters));
        sources.add(owned(Secret.class, context, (now, before) -> true));
        sources.add(owned(ConfigMap.class, context, (now, before) -> true));
        sources.add(owned(PodDisruptionBudget.class, context, ChildUpdates::podDisruptionBudgetMatters));
        sources.add(owned(NetworkPolicy.class, context, (now, before) -> true));
        if (settings.operator().probeConnectors()) {
            // Only probing reads pods (which to ask, at which address). Pods are owned by ReplicaSets, not by the
            // AppConnector: map them back by the connector label.
            var pods = InformerEventSourceConfiguration.from(Pod.class, AppConnector.class)
                    .withLabelSelector(ConnectorNames.LABEL_CONNECTOR)
                    .withItemStore(new ItemStoreWithoutManagedFields<>())
                    .withOnUpdateFilter(ChildUpdates::podMatters)
                    .withSecondaryToPrimaryMapper((Pod pod) -> Set.of(new ResourceID(
                            pod.getMetadata().getLabels().get(ConnectorNames.LABEL_CONNECTOR),
                            pod.getMetadata().getNamespace())))
                    .withPrimaryToSecondaryMapper((AppConnector c) -> Set.of())
                    .build();
            sources.add(new InformerEventSource<>(pods, context));
            // Which pods are the connector's own: Pod -> ReplicaSet -> Deployment -> AppConnector by controller UIDs
            // (podsToProbe). Only owner references matter, so the cache keeps metadata and drops the pod template.
            var replicaSets = InformerEventSourceConfiguration.from(ReplicaSet.class, AppConnector.class)
                    .withLabelSelector(ConnectorNames.LABEL_CONNECTOR)
                    .withItemStore(new TransformingItemStore<ReplicaSet>(AppConnectorReconciler::ownersOnly))
                    .withOnUpdateFilter((ReplicaSet now, ReplicaSet before) -> !Objects.equals(
                            now.getMetadata().getOwnerReferences(), before.getMetadata().getOwnerReferences()))
                    .withSecondaryToPrimaryMapper((ReplicaSet set) -> Set.of(new ResourceID(
                            set.getMetadata().getLabels().get(ConnectorNames.LABEL_CONNECTOR),
                            set.getMetadata().getNamespace())))
                    .withPrimaryToSecondaryMapper((AppConnector c) -> Set.of())
                    .build();
            sources.add(new InformerEventSource<>(replicaSets, context));
        }
        var ipSets = InformerEventSourceConfiguration.from(IPSet.class, AppConnector.class)
                .withName("ipsets-for-appconnector")
                .withItemStore(new TransformingItemStore<>(CachedRouteSet::keepPublished))
                .withSecondaryToPrimaryMapper((IPSet set) -> context.getPrimaryCache()
                        .list(set.getMetadata().getNamespace())
                        .filter(c -> referencedIpSets(c).contains(set.getMetadata().getName()))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper((AppConnector c) -> referencedIpSets(c).stream()
                        .map(n -> new ResourceID(n, c.getMetadata().getNamespace()))
                        .collect(Collectors.toSet()))
                .build();
        sources.add(new InformerEventSource<>(ipSets, context));
        sources.add(NatGatewayNodes.eventSource(context));
        var namespaces = ConnectorClients.namespaceSource(context);
        sources.add(namespaces);
        sources.add(ConnectorClients.clientSource(context, namespaces));
        sources.add(serviceCreations);
        return sources;
    }

    private static <R extends HasMetadata> InformerEventSource<R, AppConnector> owned(
            Class<R> type, EventSourceContext<AppConnector> context, OnUpdateFilter<R> updatesThatMatter) {
        return owned(type, context, updatesThatMatter, new ItemStoreWithoutManagedFields<>());
    }

    private static <R extends HasMetadata> InformerEventSource<R, AppConnector> owned(
            Class<R> type, EventSourceContext<AppConnector> context, OnUpdateFilter<R> updatesThatMatter,
            ItemStore<R> cache) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, AppConnector.class)
                .withLabelSelector(MANAGED_BY)
                .withItemStore(cache)
                .withOnUpdateFilter(updatesThatMatter)
                .build(), context);
    }

    static Set<String> referencedIpSets(AppConnector c) {
        if (c.getSpec() == null || c.getSpec().getRoutes() == null || c.getSpec().getRoutes().getIpSets() == null) {
            return Set.of();
        }
        return c.getSpec().getRoutes().getIpSets().stream().map(ObjectReference::getName)
                .filter(Objects::nonNull).collect(Collectors.toSet());
    }

    @Override
    public UpdateControl<AppConnector> reconcile(AppConnector connector, Context<AppConnector> context)
            throws Exception {
        return metrics.time("AppConnector", () -> {
            try {
                return doReconcile(connector, context);
            } catch (RefusedChildWrite refused) {
                return refusedWrite(connector, context, refused.failure());
            }
        });
    }

    /**
     * A child the API server refused: a value from the spec it does not accept is the user's to fix (InvalidSpec,
     * naming the spec field, one log line, no retry until the spec changes); a namespace being deleted ends here
     * quietly, since nothing can be created in it again and the AppConnector goes with it.
     */
    private UpdateControl<AppConnector> refusedWrite(AppConnector connector, Context<AppConnector> context,
                                                     ChildWriteFailure failure) {
        String name = connector.getMetadata().getNamespace() + "/" + connector.getMetadata().getName();
        if (failure instanceof ChildWriteFailure.NamespaceTerminating) {
            LOG.debugf("AppConnector %s: namespace is being deleted, nothing more to create", name);
            return UpdateControl.noUpdate();
        }
        String message = failure instanceof ChildWriteFailure.NameTaken taken ? taken.message()
                : ((ChildWriteFailure.InvalidSpec) failure).message();
        AppConnectorStatusAggregator status = new AppConnectorStatusAggregator(connector, clock);
        AppConnectorStatus previous = status.previous();
        boolean known = previous.getConditions() != null && previous.getConditions().stream().anyMatch(c ->
                DEGRADED.equals(c.getType()) && c.getMessage() != null && c.getMessage().startsWith(message));
        if (!known) {
            LOG.infof("AppConnector %s: InvalidSpec: %s", name, message);
        }
        UpdateControl<AppConnector> control = failed(connector, context, status, Reason.INVALID_SPEC, message);
        return failure instanceof ChildWriteFailure.NameTaken
                ? control.rescheduleAfter(Duration.ofSeconds(settings.operator().recheckSeconds())) : control;
    }

    private UpdateControl<AppConnector> doReconcile(AppConnector connector, Context<AppConnector> context) {
        AppConnectorSpec spec = connector.getSpec();
        AppConnectorStatusAggregator status = new AppConnectorStatusAggregator(connector, clock);

        // 1. The key: created once, then only ever read.
        Optional<Secret> existingKey = named(context, Secret.class, ConnectorNames.keySecret(connector));
        Secret keySecret = existingKey.orElseGet(() -> {
            Secret created;
            try {
                created = writer.createIfAbsent(context, connector,
                        KeySecretChild.of(connector, ConnectorKey.generate()).desired(), Optional.empty());
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                throw RefusedChildWrite.of(e, "Secret");
            }
            metrics.childWritten("AppConnector", "Secret");
            events.record(context.getClient(), connector, EventRecorder.Type.Normal, "KeyGenerated",
                    "Generated the connector's WireGuard key in Secret " + ConnectorNames.keySecret(connector));
            return created;
        });
        ConnectorKey key;
        try {
            key = ConnectorKey.fromPrivate(readKey(keySecret));
        } catch (IllegalArgumentException e) {
            return failed(connector, context, status, Reason.INVALID_SPEC,
                    "Secret " + ConnectorNames.keySecret(connector) + " key " + ConnectorNames.KEY_SECRET_DATA + ": "
                            + e.getMessage() + " (delete the Secret to generate a new key)");
        }
        status.publicKey(key.publicKey());

        // 2. What CEL cannot check, and the routes from IPSets; either failing keeps the last good config.
        List<ConfigProblem> problems = new ArrayList<>(ConnectorSpecCheck.check(spec));
        if (!settings.operator().verifyUrlAllowInternal() && spec.getEgress() != null
                && spec.getEgress().getVerify() != null) {
            VerifyUrlTarget.problem(spec.getEgress().getVerify().getUrl()).ifPresent(problems::add);
        }
        List<String> routes = new ArrayList<>(spec.getRoutes() == null || spec.getRoutes().getCidrs() == null
                ? List.of() : spec.getRoutes().getCidrs());
        Map<String, List<String>> ipSetCidrs = new HashMap<>();
        IpSetRoutes ipSetRoutes = resolveIpSetRoutes(connector, context, routes, ipSetCidrs);
        String routeProblem = ipSetRoutes.problem();
        Optional<ConfigMap> currentConfig = named(context, ConfigMap.class, ConnectorNames.configMap(connector));
        if (problems.isEmpty() && routeProblem == null && !ipSetRoutes.pending().isEmpty()) {
            // An ordinary step of applying several objects at once: no Warning, and a look again soon.
            return finish(connector, status.previous(), status.ipSetsPending(ipSetRoutes.pending()).build(), true);
        }
        if (!problems.isEmpty() || routeProblem != null) {
            String message = !problems.isEmpty()
                    ? problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("; "))
                    : routeProblem;
            String reason = !problems.isEmpty() ? Reason.INVALID_SPEC : Reason.IPSET_NOT_READY;
            return failed(connector, context, status, reason, message);
        }
        List<String> canonicalRoutes = RouteList.canonical(routes);
        // Routes from IPSets get the same checks as literal ones (no overlap with the tunnel or the app range).
        List<ConfigProblem> routeProblems = ConnectorSpecCheck.checkRoutes(spec, canonicalRoutes);
        if (!routeProblems.isEmpty()) {
            return failed(connector, context, status, Reason.INVALID_SPEC,
                    routeProblems.stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
        }

        // 3. Children, in dependency order: config before the pods that mount it. The connector runs ConfigCheck on
        // what it loads; the very config about to be written passes the same check first, so nothing the connector
        // would refuse ever replaces the last good one.
        // Client objects from spec.clientSources (docs/access.md): decided before rendering, so the config carries
        // exactly the admitted ones; their statuses (the allocator's record) are written once the config is.
        String namespace = connector.getMetadata().getNamespace();
        String name = connector.getMetadata().getName();
        List<Client> clients = ConnectorClients.all(context);
        List<ClientDecision> decisions = ClientAdmission.decide(new ClientAdmission.Connector(namespace, name,
                        ConnectorConfigRenderer.wireGuardInterface(spec).getAddress(), spec.getClients(),
                        spec.getClientSources()),
                clients.stream().map(c -> ClientCandidate.of(c, namespace, name)).toList(),
                ConnectorClients.namespaceLabels(context));
        ConnectorConfig config = ConnectorConfigRenderer.render(connector, canonicalRoutes,
                NatGatewayNodes.ipAddresses(connector, context), ipSetCidrs, decisions.stream()
                        .filter(d -> d instanceof ClientDecision.Admitted).map(d -> (ClientDecision.Admitted) d)
                        .toList());
        List<ConfigProblem> renderedProblems = ConnectorSpecCheck.checkRendered(config);
        if (!renderedProblems.isEmpty()) {
            return failed(connector, context, status, Reason.INVALID_SPEC,
                    renderedProblems.stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
        }
        // Clients past one ConfigMap go into peer shards, written before the main config that names their digests.
        PeerShards.Split split;
        try {
            split = PeerShards.split(connector, config, shardMapsOf(context, connector));
        } catch (IllegalArgumentException e) {
            return failed(connector, context, status, Reason.INVALID_SPEC, e.getMessage());
        }
        for (ConfigMap shard : split.shards()) {
            apply(context, connector, new ConfigMapChild(shard),
                    named(context, ConfigMap.class, shard.getMetadata().getName()));
        }
        ConfigMap mainConfig = DesiredConfigObjects.connectorConfig(connector, split.main());
        apply(context, connector, new ConfigMapChild(mainConfig), currentConfig);
        // What a pod reports as configDigest once it runs exactly this: the main text (naming every shard's digest)
        // and the key as its files hold them (ConfigInForce compares the two).
        status.renderedConfig(dev.pinhole.connector.config.LoadedConfig.digestOf(
                mainConfig.getData().get(ConnectorNames.CONFIG_FILE), readKey(keySecret)));
        String restartHash = DesiredConfigObjects.restartHash(config, keySecret.getMetadata().getUid());
        Optional<Deployment> currentDeployment = named(context, Deployment.class, ConnectorNames.workload(connector));
        apply(context, connector, DeploymentChild.of(connector, settings.connector().image(), restartHash),
                currentDeployment);
        ServiceCreations.Outcome serviceCreation = null;
        Optional<Service> currentService = named(context, Service.class, ConnectorNames.workload(connector));
        ServiceChild service = ServiceChild.of(connector);
        if (currentService.isPresent()) {
            serviceCreations.settled(connector);
            currentService = apply(context, connector, service, currentService);
        } else {
            // New Services are created off this thread (see ServiceCreations); the next reconcile finds it in the
            // cache with its node port, and writes the client configs once, with their endpoint.
            serviceCreation = serviceCreations.request(connector, () -> {
                Service created = writer.apply(context, connector, service.desired(), Optional.empty(),
                        (d, c) -> service.matches(c)).orElseThrow();
                metrics.childWritten("AppConnector", "Service");
                return created;
            });
        }
        apply(context, connector, NetworkPolicyChild.of(connector, httpNamespaces),
                named(context, NetworkPolicy.class, ConnectorNames.workload(connector)));
        Optional<PodDisruptionBudget> currentPdb =
                named(context, PodDisruptionBudget.class, ConnectorNames.workload(connector));
        int replicas = spec.getReplicas() == null ? 2 : spec.getReplicas();
        if (PodDisruptionBudgetChild.wanted(replicas)) {
            apply(context, connector, PodDisruptionBudgetChild.of(connector), currentPdb);
        } else if (currentPdb.isPresent() && ChildWriter.ownedBy(currentPdb.get(), connector)) {
            writer.deleteIfPresent(context, currentPdb);
            metrics.childWritten("AppConnector", "PodDisruptionBudget");
        }

        List<String> endpoints = ConnectorEndpoints.of(currentService, NatGatewayNodes.of(connector, context));
        if (currentService.isPresent()) {
            apply(context, connector, new ConfigMapChild(
                            DesiredConfigObjects.clientConfigs(connector, key.publicKey(), endpoints, canonicalRoutes)),
                    named(context, ConfigMap.class, ConnectorNames.clientsConfigMap(connector)));
        }

        boolean clientsPending = writeClientStatuses(context, connector, key.publicKey(), endpoints, canonicalRoutes,
                clients, decisions);

        // 4. Status from what the cluster reports.
        status.clientAccess(endpoints, ConnectorNames.clientsConfigMap(connector))
                .reports(settings.operator().probeConnectors()
                        ? reports(connector, context, currentDeployment) : ConnectorReports.Round.EMPTY)
                .rollout(RolloutState.of(currentDeployment, replicas));
        if (serviceCreation != null) {
            status.serviceCreation(serviceCreation);
        }
        AppConnectorStatus decided = status.build();
        announceTransitions(context, connector, status);
        return finish(connector, status.previous(), decided, clientsPending || settling(status.statusOf(READY),
                status.statusOf(PROGRESSING)));
    }

    /**
     * Writes this connector's entry into each Client it decided about (and removes it from those it no longer
     * selects), only where the status changes. Each write carries the cached resourceVersion: a Client another
     * connector (or a spec edit) changed since is left for a look again soon instead of overwritten. Returns
     * whether any was left.
     */
    private boolean writeClientStatuses(Context<AppConnector> context, AppConnector connector, String publicKey,
                                        List<String> endpoints, List<String> routes, List<Client> clients,
                                        List<ClientDecision> decisions) {
        String namespace = connector.getMetadata().getNamespace();
        String name = connector.getMetadata().getName();
        Map<String, ClientDecision> byRef = new HashMap<>();
        decisions.forEach(d -> byRef.put(d.candidate().ref(), d));
        List<ClientStatusWrites.Write> writes = new ArrayList<>();
        for (Client client : clients) {
            ClientDecision decision = byRef.get(client.getMetadata().getNamespace() + "/"
                    + client.getMetadata().getName());
            ClientStatus previous = client.getStatus();
            boolean hadEntry = previous != null && previous.getConnectors() != null && previous.getConnectors()
                    .stream().anyMatch(e -> e.isFor(namespace, name));
            if (decision == null && !hadEntry) {
                continue;
            }
            Optional<ClientConnectorStatus> entry = Optional.ofNullable(decision).map(d -> ClientStatusUpdate.entry(
                    namespace, name, d, d instanceof ClientDecision.Admitted a ? ClientConfigRenderer.render(connector,
                            new AppConnectorSpec.Client(a.clientName(), a.candidate().publicKey(), a.address()),
                            publicKey, endpoints, routes) : null));
            long generation = client.getMetadata().getGeneration() == null ? 0 : client.getMetadata().getGeneration();
            ClientStatus next = ClientStatusUpdate.next(previous, generation, namespace, name, entry, clock);
            if (next.equals(previous)) {
                continue;
            }
            Client write = new Client();
            write.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                    .withName(client.getMetadata().getName()).withNamespace(client.getMetadata().getNamespace())
                    .withResourceVersion(client.getMetadata().getResourceVersion()).build());
            write.setSpec(client.getSpec());
            write.setStatus(next);
            writes.add(() -> {
                try {
                    context.getClient().resource(write).updateStatus();
                    metrics.statusWritten("Client");
                    if (decision instanceof ClientDecision.Refused r && !refusedBefore(previous, namespace, name,
                            r.reason())) {
                        metrics.clientRefused(r.reason());
                    }
                    return ClientStatusWrites.Outcome.WRITTEN;
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                    if (e.getCode() == 409) {
                        return ClientStatusWrites.Outcome.CONFLICT;
                    } else if (e.getCode() == 404) {
                        return ClientStatusWrites.Outcome.GONE;
                    }
                    throw e;
                }
            });
        }
        return clientStatusWrites.runAll(writes);
    }

    private static boolean refusedBefore(ClientStatus previous, String namespace, String name, String reason) {
        return previous != null && previous.getConnectors() != null && previous.getConnectors().stream()
                .anyMatch(e -> e.isFor(namespace, name) && reason.equals(e.getReason()));
    }

    private static final String READY_TRUE = "True";

    /** The operator's own namespace (it reads /status) and the configured ones (Prometheus), without repeats. */
    static List<String> httpNamespaces(String operatorNamespace, List<String> configured) {
        Set<String> namespaces = new LinkedHashSet<>();
        if (operatorNamespace != null && !operatorNamespace.isBlank()) {
            namespaces.add(operatorNamespace);
        }
        configured.stream().map(String::trim).filter(ns -> !ns.isEmpty()).forEach(namespaces::add);
        return List.copyOf(namespaces);
    }

    /** Whether the connector is still settling (not Ready, or rolling out), so it is looked at again soon. */
    static boolean settling(String ready, String progressing) {
        return !READY_TRUE.equals(ready) || READY_TRUE.equals(progressing);
    }

    private ConnectorReports.Round reports(AppConnector connector, Context<AppConnector> context,
                                           Optional<Deployment> deployment) {
        @SuppressWarnings("unchecked")
        var pods = (InformerEventSource<Pod, AppConnector>) context.eventSourceRetriever()
                .getEventSourceFor(Pod.class);
        @SuppressWarnings("unchecked")
        var replicaSets = (InformerEventSource<ReplicaSet, AppConnector>) context.eventSourceRetriever()
                .getEventSourceFor(ReplicaSet.class);
        String namespace = connector.getMetadata().getNamespace();
        List<Pod> owned = podsToProbe(connector, deployment, replicaSets.list(namespace).toList(),
                pods.list(namespace).toList());
        return owned.isEmpty() ? ConnectorReports.Round.EMPTY : probe.collect(owned, ConnectorNames.HTTP_PORT);
    }

    /**
     * The Ready pods whose /status the operator asks: those controlled by a ReplicaSet that is controlled by the
     * connector's Deployment, which the AppConnector controls, each link compared by UID. The connector label alone
     * is what any pod in the namespace may carry; a name is what anyone may copy. (What this does not stop: a user
     * who may create pods here can copy UIDs into owner references too, and mount the connector's key; see
     * docs/operations.md, "What the operator trusts".)
     */
    static List<Pod> podsToProbe(AppConnector connector, Optional<Deployment> deployment,
                                 Collection<ReplicaSet> replicaSets, List<Pod> podsInNamespace) {
        Optional<String> deploymentUid = deployment
                .filter(d -> controlledBy(d, connector.getMetadata().getUid()))
                .map(d -> d.getMetadata().getUid());
        if (deploymentUid.isEmpty()) {
            return List.of();
        }
        Set<String> setUids = replicaSets.stream()
                .filter(rs -> controlledBy(rs, deploymentUid.get()))
                .map(rs -> rs.getMetadata().getUid())
                .collect(Collectors.toSet());
        return podsInNamespace.stream()
                .filter(pod -> pod.getMetadata().getOwnerReferences() != null && pod.getMetadata().getOwnerReferences()
                        .stream().anyMatch(ref -> Boolean.TRUE.equals(ref.getController())
                                && "ReplicaSet".equals(ref.getKind()) && setUids.contains(ref.getUid())))
                .filter(ChildUpdates::ready).toList();
    }

    private static boolean controlledBy(HasMetadata object, String ownerUid) {
        return ownerUid != null && object.getMetadata().getOwnerReferences() != null
                && object.getMetadata().getOwnerReferences().stream()
                .anyMatch(ref -> Boolean.TRUE.equals(ref.getController()) && ownerUid.equals(ref.getUid()));
    }

    /** The cached ReplicaSet: metadata without managed fields, no spec or status (podsToProbe reads owners). */
    private static ReplicaSet ownersOnly(ReplicaSet set) {
        ItemStoreWithoutManagedFields.strip(set);
        set.setSpec(null);
        set.setStatus(null);
        return set;
    }

    /** The IPSets' part of the routes: a problem to report (Degraded), or sets still resolving (wait). */
    private record IpSetRoutes(String problem, List<String> pending) {}

    /** Adds the CIDRs of every Ready IPSet spec.routes names to {@code routes}, and by set to {@code bySet}. */
    private IpSetRoutes resolveIpSetRoutes(AppConnector connector, Context<AppConnector> context,
                                           List<String> routes, Map<String, List<String>> bySet) {
        Set<String> names = new LinkedHashSet<>(referencedIpSets(connector));
        if (names.isEmpty()) {
            return new IpSetRoutes(null, List.of());
        }
        Set<IPSet> available = context.getSecondaryResources(IPSet.class);
        List<String> problems = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (String name : names) {
            Optional<IPSet> set = available.stream().filter(s -> name.equals(s.getMetadata().getName())).findFirst();
            if (set.isEmpty() && isNew(connector)) {
                pending.add(name);
            } else if (set.isEmpty()) {
                // Decided (docs/troubleshooting.md): a deleted IPSet is a spec that cannot be rendered, like any
                // other; the last good config, with the set's CIDRs, stays until the reference goes.
                problems.add("spec.routes.ipSets: IPSet \"" + name + "\" not found (the CIDRs it gave stay in"
                        + " force until spec.routes.ipSets no longer names it)");
            } else if (IpSetReadiness.of(set.get()) == IpSetReadiness.State.PENDING) {
                pending.add(name);
            } else if (IpSetReadiness.of(set.get()) == IpSetReadiness.State.FAILED) {
                problems.add("spec.routes.ipSets: IPSet \"" + name + "\" is not Ready ("
                        + IpSetReadiness.why(set.get()) + ")");
            } else {
                routes.addAll(set.get().getStatus().getCidrs());
                bySet.put(name, set.get().getStatus().getCidrs());
            }
        }
        return new IpSetRoutes(problems.isEmpty() ? null : String.join("; ", problems), pending);
    }

    /**
     * Whether the connector is younger than one recheck period: an IPSet it names that does not exist yet is then
     * still on its way (a connector and its IPSet applied together arrive in either order), not missing.
     */
    private boolean isNew(AppConnector connector) {
        String created = connector.getMetadata().getCreationTimestamp();
        return created != null && java.time.Instant.parse(created)
                .plusSeconds(settings.operator().recheckSeconds()).isAfter(clock.instant());
    }

    /** The spec cannot be rendered: the last good config stays, Degraded says why, with a Warning when new. */
    private UpdateControl<AppConnector> failed(AppConnector connector, Context<AppConnector> context,
                                               AppConnectorStatusAggregator status, String reason, String message) {
        AppConnectorStatus decided = status.refused(reason, message).build();
        if (status.changed(DEGRADED)) {
            events.record(context.getClient(), connector, EventRecorder.Type.Warning, reason, message);
        }
        return finish(connector, status.previous(), decided, false);
    }

    /**
     * Events for what a person should notice: becoming Ready, and losing Ready. A new connector starting out not
     * Ready is expected and says nothing (at 1,000 new connectors those events were 1,000 writes of noise).
     */
    private void announceTransitions(Context<AppConnector> context, AppConnector connector,
                                     AppConnectorStatusAggregator status) {
        AppConnectorStatus previous = status.previous();
        boolean wasReady = previous.getConditions() != null && previous.getConditions().stream()
                .anyMatch(c -> READY.equals(c.getType()) && READY_TRUE.equals(c.getStatus()));
        boolean ready = READY_TRUE.equals(status.statusOf(READY));
        if (status.changed(READY) && (ready || wasReady)) {
            events.record(context.getClient(), connector, ready ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
                    ready ? "Ready" : "NotReady", ready ? "Connector pods are ready" : "Connector pods are not ready");
        }
    }

    private UpdateControl<AppConnector> finish(AppConnector connector, AppConnectorStatus previous,
                                               AppConnectorStatus status, boolean recheck) {
        UpdateControl<AppConnector> control;
        if (status.equals(previous)) {
            control = UpdateControl.noUpdate();
        } else {
            metrics.statusWritten("AppConnector");
            control = UpdateControl.patchStatus(statusOnly(connector, status));
        }
        return nextCheck(recheck, settings.operator()).map(control::rescheduleAfter).orElse(control);
    }

    /**
     * When to reconcile again without an event: soon while settling; while probing, periodically even when Ready,
     * because nothing in the cluster changes when a pod's egress or flows do.
     */
    static Optional<Duration> nextCheck(boolean settling, OperatorSettings.Operator settings) {
        if (settling) {
            return Optional.of(Duration.ofSeconds(settings.recheckSeconds()));
        }
        return settings.probeConnectors() ? Optional.of(Duration.ofSeconds(settings.reportSeconds())) : Optional.empty();
    }

    /** A status-only copy: patching it can never touch the spec or metadata. */
    static AppConnector statusOnly(AppConnector connector, AppConnectorStatus status) {
        return StatusPatch.of(connector, status, AppConnector::new);
    }

    /** Applies a child unless the cached copy matches; returns the live object: as just written, else cached. */
    private <R extends HasMetadata> Optional<R> apply(Context<AppConnector> context, AppConnector owner,
                                                      OwnedChild<R> child, Optional<R> current) {
        R desired = child.desired();
        Optional<R> written;
        try {
            written = writer.apply(context, owner, desired, current, (d, live) -> child.matches(live));
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            throw RefusedChildWrite.of(e, desired.getKind());
        }
        if (written.isPresent()) {
            metrics.childWritten("AppConnector", desired.getKind());
            return written;
        }
        return current;
    }

    /** How many peer shard ConfigMaps of {@code connector} exist (the highest index written, plus one). */
    private static int shardMapsOf(Context<AppConnector> context, AppConnector connector) {
        int count = 0;
        for (int i = 0; i < PeerShards.MAX_SHARDS; i++) {
            if (named(context, ConfigMap.class, PeerShards.configMapName(connector, i)).isPresent()) {
                count = i + 1;
            }
        }
        return count;
    }

    private static <R extends HasMetadata> Optional<R> named(Context<AppConnector> context, Class<R> type,
                                                             String name) {
        return context.getSecondaryResources(type).stream()
                .filter(r -> name.equals(r.getMetadata().getName()))
                .findFirst();
    }

    private static String readKey(Secret secret) {
        if (secret.getData() != null && secret.getData().get(ConnectorNames.KEY_SECRET_DATA) != null) {
            return new String(Base64.getDecoder().decode(secret.getData().get(ConnectorNames.KEY_SECRET_DATA)),
                    StandardCharsets.UTF_8).trim();
        }
        if (secret.getStringData() != null && secret.getStringData().get(ConnectorNames.KEY_SECRET_DATA) != null) {
            return secret.getStringData().get(ConnectorNames.KEY_SECRET_DATA).trim();
        }
        throw new IllegalArgumentException("missing");
    }

    @Override
    public ErrorStatusUpdateControl<AppConnector> updateErrorStatus(AppConnector connector,
                                                                   Context<AppConnector> context, Exception e) {
        if (ChildWriteFailure.namespaceOrConnectorGone(e)) {
            // A write raced the deletion of the namespace or of the AppConnector (any write, not only a child's):
            // no status to patch (it would 404 too) and nothing a retry could create.
            LOG.debugf("AppConnector %s/%s: gone while reconciling (%s)", connector.getMetadata().getNamespace(),
                    connector.getMetadata().getName(), e.getMessage());
            return ErrorStatusUpdateControl.<AppConnector>noStatusUpdate().withNoRetry();
        }
        String message = String.valueOf(e.getMessage());
        AppConnectorStatusAggregator aggregator = new AppConnectorStatusAggregator(connector, clock).applyFailed(message);
        AppConnectorStatus status = aggregator.build();
        if (aggregator.changed(DEGRADED)) {
            events.record(context.getClient(), connector, EventRecorder.Type.Warning, Reason.APPLY_FAILED, message);
        }
        return status.equals(aggregator.previous()) ? ErrorStatusUpdateControl.defaultErrorProcessing()
                : ErrorStatusUpdateControl.patchStatus(statusOnly(connector, status));
    }
}
