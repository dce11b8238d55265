/**
 * Minimal Reflect metadata polyfill.
 *
 * @peculiar/x509 v2 resolves its algorithm providers through tsyringe, which
 * throws at import time unless `Reflect.getMetadata` exists ("tsyringe requires
 * a reflect polyfill"); the library's README says the application must load a
 * polyfill (reflect-metadata, core-js, …) first. None of those is a dependency
 * of this repo and we do not add packages, so this module implements the small
 * subset tsyringe uses (getMetadata, getOwnMetadata, defineMetadata, plus
 * has*Metadata and metadata for completeness). It installs nothing when a real
 * polyfill is already present.
 *
 * Import it for its side effect BEFORE @peculiar/x509 (ESM evaluates imports
 * in order): `import './reflect-polyfill.js'; import * as x509 from '@peculiar/x509';`
 */

type Key = string | symbol | undefined;
type MetadataMap = Map<unknown, unknown>;

interface ReflectMetadataApi {
  getMetadata(metadataKey: unknown, target: object, propertyKey?: string | symbol): unknown;
  getOwnMetadata(metadataKey: unknown, target: object, propertyKey?: string | symbol): unknown;
  hasMetadata(metadataKey: unknown, target: object, propertyKey?: string | symbol): boolean;
  hasOwnMetadata(metadataKey: unknown, target: object, propertyKey?: string | symbol): boolean;
  defineMetadata(metadataKey: unknown, metadataValue: unknown, target: object, propertyKey?: string | symbol): void;
  metadata(metadataKey: unknown, metadataValue: unknown): (target: object, propertyKey?: string | symbol) => void;
}

const reflect = Reflect as unknown as Partial<ReflectMetadataApi>;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<object, Map<Key, MetadataMap>>();

  const ownMap = (target: object, propertyKey: Key, create: boolean): MetadataMap | undefined => {
    let byProperty = store.get(target);
    if (!byProperty) {
      if (!create) return undefined;
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let map = byProperty.get(propertyKey);
    if (!map && create) {
      map = new Map();
      byProperty.set(propertyKey, map);
    }
    return map;
  };

  const api: ReflectMetadataApi = {
    getOwnMetadata: (metadataKey, target, propertyKey) => ownMap(target, propertyKey, false)?.get(metadataKey),
    hasOwnMetadata: (metadataKey, target, propertyKey) => ownMap(target, propertyKey, false)?.has(metadataKey) ?? false,
    getMetadata(metadataKey, target, propertyKey) {
      for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o)) {
        const map = ownMap(o, propertyKey, false);
        if (map?.has(metadataKey)) return map.get(metadataKey);
      }
      return undefined;
    },
    hasMetadata(metadataKey, target, propertyKey) {
      for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o)) {
        if (ownMap(o, propertyKey, false)?.has(metadataKey)) return true;
      }
      return false;
    },
    defineMetadata(metadataKey, metadataValue, target, propertyKey) {
      ownMap(target, propertyKey, true)!.set(metadataKey, metadataValue);
    },
    metadata: (metadataKey, metadataValue) => (target, propertyKey) => api.defineMetadata(metadataKey, metadataValue, target, propertyKey),
  };

  for (const [name, fn] of Object.entries(api)) {
    Object.defineProperty(Reflect, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

export {};
